using System.Net;
using System.Net.Http.Json;
using DalleOrleans.Web.Generations;
using DalleOrleans.Web.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace DalleOrleans.Web.Tests;

/// <summary>Reads are rate limited per client, and open event streams are capped per client and in total, with a clear 429.</summary>
[Collection(GuardedCollection.Name)]
public sealed class StreamAndReadLimitTests(GuardedWebAppFixture web)
{
    [Fact]
    public async Task ReadsPastTheirBudgetAre429WithRetryAfter()
    {
        using var reader = web.Client("127.0.0.31");
        string unknown = $"/api/generations/{new string('d', 64)}";
        for (int i = 0; i < GuardedWebAppFixture.ReadRateLimit; i++)
        {
            using var response = await reader.GetAsync(unknown);
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        }
        using var limited = await reader.GetAsync(unknown);
        var problem = await ProblemAssert.IsAsync(limited, HttpStatusCode.TooManyRequests);
        Assert.Contains($"at most {GuardedWebAppFixture.ReadRateLimit} reads", problem.Detail);
        Assert.InRange(limited.Headers.RetryAfter!.Delta!.Value.TotalSeconds, 1, 3600);
        // Starting work has its own budget, and other clients still read.
        using (var other = web.Client("127.0.0.32"))
        using (var fine = await other.GetAsync(unknown))
            Assert.Equal(HttpStatusCode.NotFound, fine.StatusCode);
    }

    [Fact]
    public async Task OpenEventStreamsAreCappedPerClientAndInTotal()
    {
        var store = web.App.Services.GetRequiredService<GenerationStore>();
        var gate = web.App.Services.GetRequiredService<StreamGate>();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (store.RunningCount > 0 && DateTime.UtcNow < deadline) await Task.Delay(50);   // other tests' generations

        using var poster = web.Client("127.0.0.33");
        using var hold = new ManualResetEventSlim();
        var held = web.Executor.Run(_ => hold.Wait(TimeSpan.FromSeconds(60)));       // keeps the generation (and its streams) running
        var open = new List<HttpResponseMessage>();
        var clients = new List<HttpClient>();
        try
        {
            using var post = await poster.PostAsJsonAsync("/api/generations", new { prompt = "a red square", candidates = 1, top = 1, seed = 3301 });
            Assert.Equal(HttpStatusCode.Accepted, post.StatusCode);
            string events = (await post.Content.ReadFromJsonAsync<GenerationDto>())!.Links.Events;

            async Task<HttpResponseMessage> OpenAsync(HttpClient http) =>
                await http.SendAsync(new HttpRequestMessage(HttpMethod.Get, events), HttpCompletionOption.ResponseHeadersRead);

            for (int i = 0; i < GuardedWebAppFixture.MaxStreamsPerClient; i++)
            {
                open.Add(await OpenAsync(poster));
                Assert.Equal(HttpStatusCode.OK, open[^1].StatusCode);
            }
            using (var third = await OpenAsync(poster))
            {
                var problem = await ProblemAssert.IsAsync(third, HttpStatusCode.TooManyRequests);
                Assert.Contains($"at most {GuardedWebAppFixture.MaxStreamsPerClient} event streams", problem.Detail);
                Assert.NotNull(third.Headers.RetryAfter?.Delta);
            }

            // The same key from other addresses fills the server's total; past it every client is refused.
            for (int i = 0; open.Count < GuardedWebAppFixture.MaxStreams; i++)
            {
                var other = web.Client($"127.0.0.{34 + i}");
                clients.Add(other);
                open.Add(await OpenAsync(other));
                Assert.Equal(HttpStatusCode.OK, open[^1].StatusCode);
            }
            Assert.Equal(GuardedWebAppFixture.MaxStreams, gate.Open);
            using var newcomer = web.Client("127.0.0.40");
            using (var refused = await OpenAsync(newcomer))
                Assert.Contains($"{GuardedWebAppFixture.MaxStreams} event streams open", (await ProblemAssert.IsAsync(refused, HttpStatusCode.TooManyRequests)).Detail);

            // A stream that closes gives its place back.
            open[0].Dispose();
            open.RemoveAt(0);
            while (gate.Open >= GuardedWebAppFixture.MaxStreams && DateTime.UtcNow < deadline) await Task.Delay(20);
            using var admitted = await OpenAsync(newcomer);
            Assert.Equal(HttpStatusCode.OK, admitted.StatusCode);
        }
        finally
        {
            hold.Set();
            await held;
            foreach (var response in open) response.Dispose();
            foreach (var client in clients) client.Dispose();
        }
    }
}
