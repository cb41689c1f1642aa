using DalleOrleans.Abstractions;
using DalleOrleans.Grains.Devices;
using DalleOrleans.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Orleans.TestingHost;

namespace DalleOrleans.Grains.Tests;

/// <summary>Two silos, each with its own device: work is spread over both, and losing one loses no request.</summary>
[Collection(ExactMetrics.Name)]                                   // counts the retries metric
public class TwoSiloTests
{
    [Fact]
    public async Task CandidatesAreSpreadOverBothSilosDevices()
    {
        var cluster = new TwoSiloGenerationCluster();
        await cluster.InitializeAsync();
        try
        {
            await cluster.WaitForDevices(2);
            var devices = await cluster.Grains.GetGrain<IModelDirectoryGrain>(0).Devices();
            Assert.Equal(2, devices.Select(d => d.Silo).Distinct().Count());
            var result = await cluster.Client.GenerateAsync(new GenerationRequest { Prompt = "a red circle", Candidates = 8, Top = 2, Seed = 1 });
            Assert.Equal(2, result.Devices.Distinct().Count());
        }
        finally
        {
            await cluster.DisposeAsync();
        }
    }

    /// <summary>
    /// The secondary silo is killed while it provably holds queued streams (its device thread is held, so they cannot
    /// finish first), with caching off: every request completes, the retries counter moved, and every image equals
    /// the same request's image from an uninterrupted run on this cluster before (generated, not a cache hit).
    /// </summary>
    [Fact]
    public async Task KillingASiloHoldingStreamsLosesNoRequestRedoesItsWorkAndKeepsTheImages()
    {
        var cluster = new UncachedTwoSiloGenerationCluster();
        await cluster.InitializeAsync();
        using var gate = new ManualResetEventSlim(false);
        try
        {
            await cluster.WaitForDevices(2);
            var requests = Enumerable.Range(0, 8)
                .Select(i => new GenerationRequest { Prompt = i % 2 == 0 ? "a yellow triangle" : "small green square at the bottom", Candidates = 8, Top = 2, Seed = i })
                .ToList();
            var uninterrupted = await Task.WhenAll(requests.Select(r => cluster.Client.GenerateAsync(r)));

            using var retries = new MetricCollector<long>(null, DalleMetrics.MeterName, "dalle.generation.retries");
            var secondary = cluster.Cluster.SecondarySilos[0];
            var victim = ((InProcessSiloHandle)secondary).SiloHost.Services.GetRequiredService<DeviceHost>().Executors.Single();
            using var entered = new ManualResetEventSlim(false);
            _ = victim.Run(_ => { entered.Set(); gate.Wait(TimeSpan.FromSeconds(120)); return 0; });
            Assert.True(entered.Wait(TimeSpan.FromSeconds(30)));
            var running = requests.Select(r => cluster.Client.GenerateAsync(r)).ToList();
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (victim.QueuedStreams == 0)
            {
                Assert.True(DateTime.UtcNow < deadline, "no stream reached the secondary's device");
                await Task.Delay(20);
            }
            var kill = cluster.Cluster.KillSiloAsync(secondary);
            // Its device thread is let go once the cluster has declared the silo dead (so nothing it finishes can count),
            // and while the kill still waits for that thread (before the silo's model is disposed under it).
            // Asked of the primary's own membership view: a grain call could be routed to the dead silo and wait out its timeout.
            var membership = ((InProcessSiloHandle)cluster.Cluster.Primary).SiloHost.Services.GetRequiredService<IClusterMembershipService>();
            var declared = DateTime.UtcNow.AddSeconds(30);
            while (membership.CurrentSnapshot.GetSiloStatus(secondary.SiloAddress) != SiloStatus.Dead && DateTime.UtcNow < declared) await Task.Delay(50);
            gate.Set();
            await kill;

            GenerationResult[] results;
            try { results = await Task.WhenAll(running).WaitAsync(TimeSpan.FromSeconds(150)); }
            catch (Exception e)
            {
                var states = string.Join("; ", running.Select((t, i) => $"{i}:{t.Status}:{t.Exception?.InnerException?.GetType().Name}:{t.Exception?.InnerException?.Message}"));
                throw new Exception($"requests did not all finish: {states}", e);
            }
            Assert.True(retries.GetMeasurementSnapshot().Sum(m => m.Value) > 0, "no retry was counted: the kill interrupted nothing");
            for (int i = 0; i < requests.Count; i++)
            {
                Assert.False(results[i].CacheHit);
                Assert.Equal(uninterrupted[i].Images.Select(im => Convert.ToBase64String(im.Png)), results[i].Images.Select(im => Convert.ToBase64String(im.Png)));
            }
        }
        finally
        {
            gate.Set();
            await cluster.DisposeAsync();
        }
    }
}
