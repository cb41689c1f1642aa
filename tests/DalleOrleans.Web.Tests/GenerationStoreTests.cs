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
        for (int i = 0; i < 5; i++) store.GetOrAdd(Id(i), Request, out _).Complete(Result);
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
        var running = store.GetOrAdd(Id(1), Request, out _);
        store.GetOrAdd(Id(2), Request, out _);
        Assert.Throws<TooManyGenerationsException>(() => store.GetOrAdd(Id(3), Request, out _));
        running.Complete(Result);
        store.GetOrAdd(Id(3), Request, out bool created);
        Assert.True(created);
    }

    [Fact]
    public void AnIdenticalRequestJoinsAndAFailedOneIsRetried()
    {
        var store = new GenerationStore(maxFinished: 10, maxRunning: 10);
        var first = store.GetOrAdd(Id(7), Request, out _);
        Assert.Same(first, store.GetOrAdd(Id(7), Request, out bool joined));
        Assert.False(joined);
        first.Fail(new JobError(502, "Generation failed", "device lost", null));
        Assert.NotSame(first, store.GetOrAdd(Id(7), Request, out bool retried));
        Assert.True(retried);
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
