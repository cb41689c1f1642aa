using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using DalleOrleans.Grains;
using DalleOrleans.Grains.Cache;
using DalleOrleans.Grains.Devices;
using DalleOrleans.Model;
using DalleOrleans.Testing;
using DalleOrleans.Web.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace DalleOrleans.Web.Tests;

/// <summary>
/// `dalle-web --cluster`: the web app as an Orleans client of a separate, Redis-clustered silo (in this process, on
/// loopback), as in a deployment. Its own class and silo, so the embedded-mode fixture is not involved.
/// </summary>
public sealed class ClusterModeTests
{
    [Fact]
    public async Task TheWebAppGeneratesThroughARemoteCluster()
    {
        await using var redis = await RedisServer.StartAsync();
        string clusterId = $"web-test-{Guid.NewGuid():N}";
        using var silo = await StartSiloAsync(redis.ConnectionString, clusterId);
        var options = new WebOptions { Cluster = redis.ConnectionString, ClusterId = clusterId, Urls = "http://127.0.0.1:0" };
        await using var app = WebAppFactory.Build(options);
        await app.StartAsync();
        try
        {
            using var http = new HttpClient { BaseAddress = WebAppFactory.BoundAddress(app), Timeout = TimeSpan.FromSeconds(60) };
            await WaitForHealthAsync(http);
            var health = await http.GetFromJsonAsync<JsonElement>("/api/health");
            Assert.Equal("cluster", health.GetProperty("mode").GetString());

            using var post = await http.PostAsJsonAsync("/api/generations", new { prompt = "a red circle", candidates = 4, top = 2, seed = 41 });
            Assert.Equal(HttpStatusCode.Accepted, post.StatusCode);
            var done = await PollAsync(http, (await post.Content.ReadFromJsonAsync<GenerationDto>())!.Id);
            Assert.Equal("done", done.Status);
            Assert.Equal(2, done.Result!.Images.Count);
            Assert.Equal((WebAppFixture.ImageSize, WebAppFixture.ImageSize), Png.Size(await http.GetByteArrayAsync(done.Result.Images[0].Url)));

            // The front end has no model folder: the prompt limit comes from the cluster (the device publishes it and
            // counts the prompt's tokens), and an over-long prompt is refused at the POST.
            var tooLong = string.Join(' ', Enumerable.Repeat("circle", 40));
            using var longPost = await http.PostAsJsonAsync("/api/generations", new { prompt = tooLong, candidates = 2, top = 1 });
            var problem = await ProblemAssert.IsAsync(longPost, HttpStatusCode.BadRequest);
            Assert.Equal("prompt", problem.Field);
            Assert.Equal(WebAppFixture.PromptTokens, problem.Limit);
            Assert.Contains("40 tokens", problem.Detail);
        }
        finally
        {
            using var stopping = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            await app.StopAsync(stopping.Token);
            await silo.StopAsync(stopping.Token);
        }
    }

    /// <summary>A silo host like dalle-silo's: Redis clustering, one CPU device with the shared tiny model (seed 1).</summary>
    static async Task<IHost> StartSiloAsync(string redis, string clusterId)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        var settings = new ClusterSettings { Redis = redis, ClusterId = clusterId, SiloPort = FreePort.Next(), GatewayPort = FreePort.Next() };
        builder.UseOrleans(silo => silo.UseDalleCluster(settings).AddDalleGeneration(
            new DeviceSettings { Path = SharedTinyModel.Folder, Devices = new[] { "cpu" } }, new CacheSettings()));
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    static async Task WaitForHealthAsync(HttpClient http)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            using var response = await http.GetAsync("/api/health");
            if (response.IsSuccessStatusCode) return;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"not ready: {await response.Content.ReadAsStringAsync()}");
            await Task.Delay(100);
        }
    }

    static async Task<GenerationDto> PollAsync(HttpClient http, string id)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var generation = (await http.GetFromJsonAsync<GenerationDto>($"/api/generations/{id}"))!;
            if (generation.Status != "running") return generation;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"generation {id} still running");
            await Task.Delay(50);
        }
    }
}
