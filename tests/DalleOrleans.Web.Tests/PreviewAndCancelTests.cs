using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using DalleOrleans.Grains.Devices;
using DalleOrleans.Model.Imaging;
using Microsoft.Extensions.DependencyInjection;

namespace DalleOrleans.Web.Tests;

/// <summary>Partial previews while a generation runs, and DELETE: a client that goes away cancels its work and frees its slots.</summary>
[Collection(WebCollection.Name)]
public sealed class PreviewAndCancelTests(WebAppFixture web)
{
    DeviceExecutor Executor => web.App.Services.GetRequiredService<DeviceHost>().Executors.Single();

    [Fact]
    public async Task ARunningGenerationShowsPartialPreviewsOfItsFirstCandidate()
    {
        // Many guided candidates: long enough that the progress relay sees the token stage.
        using var post = await web.Http.PostAsJsonAsync("/api/generations",
            new { prompt = "a red square at the bottom", candidates = 32, top = 2, seed = 911, guidance = 3 });
        var started = (await post.Content.ReadFromJsonAsync<GenerationDto>())!;
        var done = await web.WaitForFinishAsync(started.Id);
        Assert.Equal("done", done.Status);

        int grid = (int)Math.Sqrt(done.Progress.TokensTotal / done.Progress.Candidates);
        Assert.Contains(done.Progress.PreviewTokens, new[] { grid, 2 * grid, 3 * grid });
        Assert.Equal($"/api/generations/{started.Id}/preview.png?tokens={done.Progress.PreviewTokens}", done.Progress.PreviewUrl);

        using var preview = await web.Http.GetAsync(done.Progress.PreviewUrl);
        Assert.Equal(HttpStatusCode.OK, preview.StatusCode);
        Assert.Equal("image/png", preview.Content.Headers.ContentType?.MediaType);
        Assert.Contains("no-store", preview.Headers.CacheControl?.ToString());      // it changes while the generation runs
        var (rgb, w, h) = PngCodec.DecodeRgb(await preview.Content.ReadAsByteArrayAsync());
        Assert.Equal((WebAppFixture.ImageSize, WebAppFixture.ImageSize), (w, h));
        int firstGreyRow = done.Progress.PreviewTokens / grid * (h / grid);
        Assert.All(rgb.Skip(firstGreyRow * w * 3), b => Assert.Equal(128, b));

        // The event stream's progress events carry the preview's address too.
        using var events = await web.Http.GetAsync(started.Links.Events, HttpCompletionOption.ResponseHeadersRead);
        var read = await SseReader.ReadAllAsync(await events.Content.ReadAsStreamAsync(), CancellationToken.None);
        var progress = read.Where(e => e.Name == "progress")
            .Select(e => JsonSerializer.Deserialize<ProgressDto>(e.Data, new JsonSerializerOptions(JsonSerializerDefaults.Web))!).ToList();
        Assert.Contains(progress, p => p.PreviewUrl == done.Progress.PreviewUrl);
    }

    [Fact]
    public async Task PreviewsOfUnknownOrMalformedIdsAreProblems()
    {
        using var unknown = await web.Http.GetAsync($"/api/generations/{new string('a', 64)}/preview.png");
        await ProblemAssert.IsAsync(unknown, HttpStatusCode.NotFound);
        using var malformed = await web.Http.GetAsync("/api/generations/..%2F..%2Fetc/preview.png");
        Assert.True(malformed.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.NotFound, $"{(int)malformed.StatusCode}");
        using var bad = await web.Http.GetAsync("/api/generations/NOT-AN-ID/preview.png");
        var problem = await ProblemAssert.IsAsync(bad, HttpStatusCode.BadRequest);
        Assert.Equal("id", problem.Field);
    }

    [Fact]
    public async Task DeleteCancelsARunningGenerationFreesItsSlotsAndAPostStartsItAfresh()
    {
        var body = new { prompt = "a blue circle in the middle", candidates = 16, top = 2, seed = 913 };
        // Hold the device thread, so the generation is certainly still running when the DELETE comes.
        using var hold = new ManualResetEventSlim();
        var held = Executor.Run(_ => hold.Wait(TimeSpan.FromSeconds(30)));
        GenerationDto started;
        try
        {
            using var post = await web.Http.PostAsJsonAsync("/api/generations", body);
            Assert.Equal(HttpStatusCode.Accepted, post.StatusCode);
            started = (await post.Content.ReadFromJsonAsync<GenerationDto>())!;
            Assert.True(Executor.QueuedStreams + Executor.ActiveStreams > 0, "the candidates should be queued on the held device");

            using var delete = await web.Http.DeleteAsync(started.Links.Self);
            Assert.Equal(HttpStatusCode.Accepted, delete.StatusCode);
        }
        finally
        {
            hold.Set();
            await held;
        }

        var cancelled = await web.WaitForFinishAsync(started.Id);
        Assert.Equal("failed", cancelled.Status);
        Assert.Equal("cancelled", cancelled.Progress.Stage);
        Assert.Equal("Generation cancelled", cancelled.Error!.Title);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (Executor.ActiveStreams + Executor.QueuedStreams > 0 && DateTime.UtcNow < deadline) await Task.Delay(20);
        Assert.Equal(0, Executor.ActiveStreams + Executor.QueuedStreams);

        using (var again = await web.Http.DeleteAsync(started.Links.Self))
            Assert.Contains("already finished", (await ProblemAssert.IsAsync(again, HttpStatusCode.Conflict)).Detail);

        // The same request posted again is a new generation, not the cancelled one.
        using var retry = await web.Http.PostAsJsonAsync("/api/generations", body);
        Assert.Equal(HttpStatusCode.Accepted, retry.StatusCode);
        var retried = (await retry.Content.ReadFromJsonAsync<GenerationDto>())!;
        Assert.NotEqual(started.Id, retried.Id);
        var done = await web.WaitForFinishAsync(retried.Id);
        Assert.Equal("done", done.Status);
        Assert.Equal(2, done.Result!.Images.Count);
    }

    [Fact]
    public async Task OneRequesterWithdrawingLeavesTheOthersGenerationRunningToSuccess()
    {
        var body = new { prompt = "a red triangle at the top", candidates = 8, top = 2, seed = 914 };
        using var alice = LoopbackClient.From(web.BaseAddress, "127.0.0.21");
        using var bob = LoopbackClient.From(web.BaseAddress, "127.0.0.22");
        using var hold = new ManualResetEventSlim();
        var held = Executor.Run(_ => hold.Wait(TimeSpan.FromSeconds(30)));
        GenerationDto a, b;
        try
        {
            a = await PostAsync(alice, body);
            b = await PostAsync(bob, body);
            Assert.NotEqual(a.Id, b.Id);                        // two tickets…
            var store = web.App.Services.GetRequiredService<DalleOrleans.Web.Generations.GenerationStore>();
            Assert.Same(store.FindTicket(a.Id)!.Job, store.FindTicket(b.Id)!.Job);     // …on one shared generation

            using var withdraw = await alice.DeleteAsync(a.Links.Self);
            Assert.Equal(HttpStatusCode.Accepted, withdraw.StatusCode);
        }
        finally
        {
            hold.Set();
            await held;
        }

        var aliceSees = await web.WaitForFinishAsync(a.Id);
        Assert.Equal("failed", aliceSees.Status);
        Assert.Equal("cancelled", aliceSees.Progress.Stage);
        var bobSees = await web.WaitForFinishAsync(b.Id);
        Assert.Equal("done", bobSees.Status);
        Assert.Equal(2, bobSees.Result!.Images.Count);
        Assert.False(bobSees.Result.CacheHit);                  // it was generated, not found again afterwards
    }

    [Fact]
    public async Task WhenEveryRequesterWithdrawsTheSharedGenerationIsCancelled()
    {
        var body = new { prompt = "a green circle on the left", candidates = 8, top = 2, seed = 915 };
        using var alice = LoopbackClient.From(web.BaseAddress, "127.0.0.23");
        using var bob = LoopbackClient.From(web.BaseAddress, "127.0.0.24");
        using var hold = new ManualResetEventSlim();
        var held = Executor.Run(_ => hold.Wait(TimeSpan.FromSeconds(30)));
        GenerationDto a, b;
        DalleOrleans.Web.Generations.GenerationJob job;
        try
        {
            a = await PostAsync(alice, body);
            b = await PostAsync(bob, body);
            job = web.App.Services.GetRequiredService<DalleOrleans.Web.Generations.GenerationStore>().FindTicket(a.Id)!.Job;
            using (var first = await alice.DeleteAsync(a.Links.Self)) Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
            Assert.False(job.Cancellation.IsCancellationRequested, "one requester is still waiting");
            using (var second = await bob.DeleteAsync(b.Links.Self)) Assert.Equal(HttpStatusCode.Accepted, second.StatusCode);
            Assert.True(job.Cancellation.IsCancellationRequested, "no requester is left: the work must stop");
        }
        finally
        {
            hold.Set();
            await held;
        }

        Assert.Equal("cancelled", (await web.WaitForFinishAsync(b.Id)).Progress.Stage);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!job.IsFinished && DateTime.UtcNow < deadline) await Task.Delay(20);
        Assert.Equal(DalleOrleans.Web.Generations.JobStatus.Failed, job.Snapshot().Status);
        Assert.Equal(DalleOrleans.Abstractions.GenerationStage.Cancelled, job.Snapshot().Progress.Stage);
        while (Executor.ActiveStreams + Executor.QueuedStreams > 0 && DateTime.UtcNow < deadline) await Task.Delay(20);
        Assert.Equal(0, Executor.ActiveStreams + Executor.QueuedStreams);
    }

    [Fact]
    public async Task PostingAgainRightAfterTheLastWithdrawalStartsAFreshGenerationThatSucceeds()
    {
        // A page reload: the old ticket is withdrawn (the shared generation is cancelled but, with the device held, still
        // winding down in the cluster) and the same request is posted again at once. The new one must not inherit the
        // cancellation.
        var body = new { prompt = "a yellow circle on the right", candidates = 4, top = 1, seed = 916 };
        using var hold = new ManualResetEventSlim();
        var held = Executor.Run(_ => hold.Wait(TimeSpan.FromSeconds(30)));
        GenerationDto again;
        try
        {
            var first = await PostAsync(web.Http, body);
            using (var withdraw = await web.Http.DeleteAsync(first.Links.Self)) Assert.Equal(HttpStatusCode.Accepted, withdraw.StatusCode);
            again = await PostAsync(web.Http, body);
            Assert.NotEqual(first.Id, again.Id);
        }
        finally
        {
            hold.Set();
            await held;
        }
        var done = await web.WaitForFinishAsync(again.Id);
        Assert.True(done.Status == "done", $"{done.Status}: {done.Error}");
        Assert.Equal(916, done.Seed);
    }

    static async Task<GenerationDto> PostAsync(HttpClient http, object body)
    {
        using var post = await http.PostAsJsonAsync("/api/generations", body);
        Assert.Equal(HttpStatusCode.Accepted, post.StatusCode);
        return (await post.Content.ReadFromJsonAsync<GenerationDto>())!;
    }

    [Fact]
    public async Task DeletingUnknownOrMalformedIdsIsAProblem()
    {
        using var unknown = await web.Http.DeleteAsync($"/api/generations/{new string('b', 64)}");
        await ProblemAssert.IsAsync(unknown, HttpStatusCode.NotFound);
        using var bad = await web.Http.DeleteAsync("/api/generations/xyz");
        Assert.Equal("id", (await ProblemAssert.IsAsync(bad, HttpStatusCode.BadRequest)).Field);
    }
}

/// <summary>On the guarded app cancelling needs the API key, like starting.</summary>
[Collection(GuardedCollection.Name)]
public sealed class GuardedCancelTests(GuardedWebAppFixture web)
{
    [Fact]
    public async Task CancellingNeedsTheApiKey()
    {
        using var http = web.Client("127.0.0.6", withKey: false);
        using var response = await http.DeleteAsync($"/api/generations/{new string('c', 64)}");
        await ProblemAssert.IsAsync(response, HttpStatusCode.Unauthorized);
        using var keyed = web.Client("127.0.0.6");
        using var known = await keyed.DeleteAsync($"/api/generations/{new string('c', 64)}");
        await ProblemAssert.IsAsync(known, HttpStatusCode.NotFound);
    }
}
