using System.Diagnostics;
using DalleOrleans.Abstractions;
using DalleOrleans.Grains;
using DalleOrleans.Grains.Cache;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace DalleOrleans.Deploy.Tests;

/// <summary>
/// A silo process SIGKILLed while it provably holds candidate streams (its /metrics shows them), with caching off:
/// every request still completes, the retries metric moved (work was redone, not merely finished before the kill), and
/// every image is byte-identical to an uninterrupted run on a separate silo. Prints the failover time of the requests
/// in flight at the kill (RELIABILITY.md) under the silos' shipped membership settings.
/// </summary>
public sealed class SiloKillTests(ITestOutputHelper output)
{
    const int Requests = 12;

    static GenerationRequest Request(int i) => new()
    {
        Prompt = i % 2 == 0 ? "a yellow triangle" : "small green square at the bottom", Candidates = 8, Top = 2, Seed = 7000 + i,
    };

    [Fact]
    public async Task ASigkilledSiloHoldingStreamsLosesNoRequestAndTheRedoneImagesAreIdentical()
    {
        await using var redis = await RedisServer.StartAsync();
        string clusterId = $"kill-{Guid.NewGuid():N}";
        // Few rows per device, so streams queue and the victim is mid-work for a while. DALLE_KILL_TEST_SILO_ARGS adds
        // silo arguments (e.g. other membership settings) for measuring; the suite runs the shipped ones.
        string[] extra = ["--Cache:Enabled=false", "--Model:MaxBatchRows=4",
            .. (Environment.GetEnvironmentVariable("DALLE_KILL_TEST_SILO_ARGS") ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries)];
        await using var survivor = SiloProcess.Start(redis.ConnectionString, clusterId, extra);
        await using var victim = SiloProcess.Start(redis.ConnectionString, clusterId, extra);
        await Task.WhenAll(survivor.WaitUntilReadyAsync(TimeSpan.FromSeconds(120)), victim.WaitUntilReadyAsync(TimeSpan.FromSeconds(120)));

        using var host = await StartClientAsync(redis.ConnectionString, clusterId);
        var client = new GenerationClient(host.Services.GetRequiredService<IGrainFactory>());
        await client.WaitForDevicesAsync(2, TimeSpan.FromSeconds(60));
        using var callRetries = new MetricCollector<long>(null, DalleMetrics.MeterName, "dalle.generation.retries");

        var clock = Stopwatch.StartNew();
        var finishedAt = new double[Requests];
        var running = Enumerable.Range(0, Requests).Select(async i =>
        {
            var result = await client.GenerateAsync(Request(i));
            finishedAt[i] = clock.Elapsed.TotalMilliseconds;
            return result;
        }).ToList();

        // The victim must hold work when it dies: streams in its batch or its queue, as its own /metrics says.
        double held = 0;
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (held == 0)
        {
            var metrics = await victim.ScrapeAsync();
            held = metrics.Sum("dalle_device_active_streams") + metrics.Sum("dalle_device_queue_depth");
            Assert.True(held > 0 || DateTime.UtcNow < deadline, "the victim never held a stream");
            Assert.True(held > 0 || running.Any(t => !t.IsCompleted), "every request finished before the victim held a stream");
        }
        var management = host.Services.GetRequiredService<IGrainFactory>().GetGrain<IManagementGrain>(0);
        int silosBefore = (await management.GetHosts(onlyActive: true)).Count;
        await victim.KillAsync();
        double killedAt = clock.Elapsed.TotalMilliseconds;
        var inFlight = Enumerable.Range(0, Requests).Where(i => !running[i].IsCompleted).ToList();
        // How long membership takes to declare the victim dead (the shipped probe settings decide it).
        var declaredDead = Task.Run(async () =>
        {
            while (true)
            {
                // Each ask is bounded: one routed through the dead silo would otherwise wait out the 30 s response timeout.
                try { if ((await management.GetHosts(onlyActive: true).WaitAsync(TimeSpan.FromSeconds(2))).Count < silosBefore) break; }
                catch (Exception e) when (e is TimeoutException or OrleansException) { }
                await Task.Delay(100);
            }
            return clock.Elapsed.TotalMilliseconds - killedAt;
        });

        GenerationResult[] results;
        try { results = await Task.WhenAll(running).WaitAsync(TimeSpan.FromSeconds(180)); }
        catch (Exception e)
        {
            var states = string.Join("; ", running.Select((t, i) => $"{i}:{t.Status}:{t.Exception?.InnerException?.Message}"));
            throw new Exception($"not every request completed after the kill: {states}\nsurvivor:\n{survivor.Output}", e);
        }
        Assert.All(results, r => Assert.False(r.CacheHit));
        Assert.All(results, r => Assert.Equal(2, r.Images.Count));

        // Work was redone: device shares or decodes on the survivor, or whole calls from this client.
        double redone = (await survivor.ScrapeAsync()).Sum("dalle_generation_retries_total") + callRetries.GetMeasurementSnapshot().Sum(m => m.Value);
        Assert.True(redone > 0, "no retry was counted: the kill interrupted nothing");

        var failover = inFlight.Select(i => finishedAt[i] - killedAt).Order().ToList();
        double deadAfter = await declaredDead.WaitAsync(TimeSpan.FromSeconds(60));
        output.WriteLine($"victim held {held} streams at the kill; {inFlight.Count} of {Requests} requests in flight; retries counted {redone}; " +
                         $"declared dead {deadAfter:F0} ms after the kill");
        output.WriteLine($"failover (kill → completion of the requests in flight), ms: p50 {Percentile(failover, 0.5):F0}, p99 {Percentile(failover, 0.99):F0}, max {failover.LastOrDefault():F0}");

        // The uninterrupted run: the same requests on a fresh single silo with caching off.
        await using var reference = await SiloHost.StartAsync("--Cache:Enabled=false");
        await reference.WaitUntilReadyAsync();
        for (int i = 0; i < Requests; i++)
        {
            var expected = await reference.Client.GenerateAsync(Request(i));
            Assert.False(expected.CacheHit);
            Assert.Equal(expected.Images.Select(im => Convert.ToBase64String(im.Png)), results[i].Images.Select(im => Convert.ToBase64String(im.Png)));
        }
    }

    static async Task<IHost> StartClientAsync(string redis, string clusterId)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.UseOrleansClient(client => client
            .UseRedisClustering(o => o.ConfigurationOptions = ConfigurationOptions.Parse(redis))
            .Configure<ClusterOptions>(o => { o.ClusterId = clusterId; o.ServiceId = "dalle-orleans"; })
            .Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = TimeSpan.FromSeconds(1)));
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    static double Percentile(IReadOnlyList<double> sorted, double p) =>
        sorted.Count == 0 ? 0 : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];
}
