using System.Net;
using System.Net.Http.Json;
using DalleOrleans.Web.Generations;
using Microsoft.Extensions.DependencyInjection;

namespace DalleOrleans.Web.Tests;

/// <summary>
/// Overload is refused at once with 429 + Retry-After, never queued without bound: a full device queue (the executor's
/// bounded admission) and too many running generations on the front end. The device is held busy by a job that
/// blocks its executor thread, so the queue fills deterministically; released, everything accepted completes.
/// </summary>
[Collection(GuardedCollection.Name)]
public sealed class OverloadTests(GuardedWebAppFixture web)
{
    static string Body(int candidates, int seed) => $"{{\"prompt\":\"a blue square\",\"candidates\":{candidates},\"top\":1,\"seed\":{seed}}}";

    [Fact]
    public async Task AFullDeviceQueueAndTooManyRunningAre429sAndAcceptedWorkStillCompletes()
    {
        var store = web.App.Services.GetRequiredService<GenerationStore>();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (store.RunningCount > 0 && DateTime.UtcNow < deadline) await Task.Delay(50);   // other tests' generations

        using var http = web.Client("127.0.0.5");
        using var gate = new ManualResetEventSlim(false);
        using var entered = new ManualResetEventSlim(false);
        var blocker = web.Executor.Run(_ => { entered.Set(); gate.Wait(TimeSpan.FromSeconds(90)); return 0; });
        Assert.True(entered.Wait(TimeSpan.FromSeconds(30)), "the device thread did not pick up the blocking job");
        string first, second;
        try
        {
            using (var a = await http.PostAsync("/api/generations", ProblemAssert.Json(Body(4, 601))))
            {
                Assert.Equal(HttpStatusCode.Accepted, a.StatusCode);
                first = (await a.Content.ReadFromJsonAsync<GenerationDto>())!.Id;
            }
            Assert.Equal(4, web.Executor.QueuedStreams);

            // 4 waiting + 5 more > the queue's 8: the device refuses, and the POST says so.
            using (var b = await http.PostAsync("/api/generations", ProblemAssert.Json(Body(5, 602))))
            {
                var problem = await ProblemAssert.IsAsync(b, HttpStatusCode.TooManyRequests);
                Assert.Equal("Overloaded, retry later", problem.Title);
                Assert.Contains("queue is full", problem.Detail);
                Assert.NotNull(b.Headers.RetryAfter?.Delta);
            }
            Assert.Equal(4, web.Executor.QueuedStreams);               // the refused request queued nothing

            using (var a2 = await http.PostAsync("/api/generations", ProblemAssert.Json(Body(4, 603))))
            {
                Assert.Equal(HttpStatusCode.Accepted, a2.StatusCode);
                second = (await a2.Content.ReadFromJsonAsync<GenerationDto>())!.Id;
            }
            Assert.Equal(8, web.Executor.QueuedStreams);

            // Two generations running = the front end's limit: the next is refused before it reaches the cluster.
            using (var c = await http.PostAsync("/api/generations", ProblemAssert.Json(Body(1, 604))))
            {
                var problem = await ProblemAssert.IsAsync(c, HttpStatusCode.TooManyRequests);
                Assert.Contains($"{GuardedWebAppFixture.MaxRunning} generations are already running", problem.Detail);
                Assert.NotNull(c.Headers.RetryAfter?.Delta);
            }
        }
        finally
        {
            gate.Set();
            await blocker;
        }
        foreach (var id in new[] { first, second })
        {
            var done = await PollAsync(http, id);
            Assert.Equal("done", done.Status);
        }
        Assert.Equal(0, web.Executor.QueuedStreams);
    }

    static async Task<GenerationDto> PollAsync(HttpClient http, string id)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var generation = (await http.GetFromJsonAsync<GenerationDto>($"/api/generations/{id}"))!;
            if (generation.Status != "running" || DateTime.UtcNow > deadline) return generation;
            await Task.Delay(50);
        }
    }
}
