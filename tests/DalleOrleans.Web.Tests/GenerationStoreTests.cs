using DalleOrleans.Abstractions;
using DalleOrleans.Web.Generations;

namespace DalleOrleans.Web.Tests;

public sealed class GenerationStoreTests
{
    static readonly GenerationRequest Request = new() { Prompt = "a red circle" };

    static string Id(int n) => n.ToString("x64");

    static GenerationResult Result => new() { Images = new[] { new GeneratedImage(1, 0, 0.5f, new byte[] { 1 }) } };

    [Fact]
    public void OnlyTheNewestFinishedJobsAreKept()
    {
        var store = new GenerationStore(maxFinished: 3, maxRunning: 10);
        for (int i = 0; i < 5; i++) store.Open(Id(i), Request, null, out _).Job.Complete(Result);
        store.Trim();
        Assert.Equal(3, store.Count);
        Assert.Null(store.Find(Id(0)));
        Assert.Null(store.Find(Id(1)));
        Assert.NotNull(store.Find(Id(4)));
    }

    [Fact]
    public void RunningJobsAreNeverEvictedButAreBounded()
    {
        var store = new GenerationStore(maxFinished: 1, maxRunning: 2);
        var running = store.Open(Id(1), Request, null, out _).Job;
        store.Open(Id(2), Request, null, out _);
        Assert.Throws<TooManyGenerationsException>(() => store.Open(Id(3), Request, null, out _));
        running.Complete(Result);
        store.Open(Id(3), Request, null, out bool created);
        Assert.True(created);
    }

    [Fact]
    public void AnIdenticalRequestJoinsAndAFailedOneIsRetried()
    {
        var store = new GenerationStore(maxFinished: 10, maxRunning: 10);
        var first = store.Open(Id(7), Request, null, out _);
        var second = store.Open(Id(7), Request, null, out bool joinedCreated);
        Assert.Same(first.Job, second.Job);
        Assert.False(joinedCreated);
        Assert.NotEqual(first.Id, second.Id);                 // each requester has its own ticket
        Assert.NotEqual(Id(7), first.Id);                     // and its id is not the request's fingerprint
        first.Job.Fail(new JobError(502, "Generation failed", "device lost", null));
        Assert.NotSame(first.Job, store.Open(Id(7), Request, null, out bool retried).Job);
        Assert.True(retried);
    }

    [Fact]
    public void TheJobIsCancelledOnlyWhenItsLastRequesterWithdraws()
    {
        var store = new GenerationStore(maxFinished: 10, maxRunning: 10);
        var a = store.Open(Id(8), Request, null, out _);
        var b = store.Open(Id(8), Request, null, out _);
        Assert.True(a.Withdraw());
        Assert.False(a.Withdraw());                           // once only
        Assert.False(a.Job.Cancellation.IsCancellationRequested);
        Assert.Equal(JobStatus.Failed, a.Snapshot().Status);  // a reads as cancelled…
        Assert.Equal(GenerationStage.Cancelled, a.Snapshot().Progress.Stage);
        Assert.Equal(JobStatus.Running, b.Snapshot().Status); // …while b's generation goes on
        Assert.True(b.Withdraw());
        Assert.True(a.Job.Cancellation.IsCancellationRequested);
        // A new requester of the same request now starts a new job rather than joining the abandoned one.
        Assert.NotSame(a.Job, store.Open(Id(8), Request, null, out bool created).Job);
        Assert.True(created);
    }

    [Fact]
    public void TicketsOfFinishedJobsAreBounded()
    {
        var store = new GenerationStore(maxFinished: 1, maxRunning: 1);
        var first = store.Open(Id(5), Request, null, out _);
        first.Job.Complete(Result);
        for (int i = 0; i < 20; i++) store.Open(Id(5), Request, null, out _);
        Assert.Equal(4 * (1 + 1), store.TicketCount);
        Assert.Null(store.FindTicket(first.Id));              // the oldest went first
    }

    [Fact]
    public async Task AJobWakesItsWaitersAndIgnoresLateProgress()
    {
        var job = new GenerationJob(Id(9), Request);
        var before = job.Snapshot();
        var wait = job.WaitForChangeAsync(before.Version, CancellationToken.None);
        Assert.False(wait.IsCompleted);
        job.Complete(Result);
        await wait.WaitAsync(TimeSpan.FromSeconds(5));
        job.Report(new GenerationProgress { Stage = GenerationStage.Tokens, TokensDone = 1 });
        Assert.Equal(GenerationStage.Done, job.Snapshot().Progress.Stage);
        Assert.Equal(JobStatus.Done, job.Snapshot().Status);
    }
}
