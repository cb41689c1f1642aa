using DalleOrleans.Abstractions;
using DalleOrleans.Testing;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace DalleOrleans.Grains.Tests;

/// <summary>
/// One generation and its repeat move the service's instruments by exactly what happened: MetricCollectors on the
/// "DalleOrleans" meter, in a collection that runs alone, so no other test's measurements are counted.
/// </summary>
[Collection(ExactMetrics.Name)]
public class MetricsTests(GenerationCluster cluster) : IClassFixture<GenerationCluster>
{
    [Fact]
    public async Task AGenerationAndItsRepeatMoveTheCountersByExactlyWhatHappened()
    {
        await cluster.WaitForDevices(1);
        // The expected token count comes from the served model's own description, not from the code that counts.
        var device = (await cluster.Grains.GetGrain<IModelDirectoryGrain>(0).Devices()).Single();
        using var tokens = new MetricCollector<long>(null, DalleMetrics.MeterName, "dalle.device.image_tokens");
        using var hits = new MetricCollector<long>(null, DalleMetrics.MeterName, "dalle.cache.hits");
        using var misses = new MetricCollector<long>(null, DalleMetrics.MeterName, "dalle.cache.misses");
        using var stages = new MetricCollector<double>(null, DalleMetrics.MeterName, "dalle.generation.stage.duration");
        using var queue = new MetricCollector<int>(null, DalleMetrics.MeterName, "dalle.device.queue_depth");
        using var active = new MetricCollector<int>(null, DalleMetrics.MeterName, "dalle.device.active_streams");

        var request = new GenerationRequest { Prompt = "a white circle", Candidates = 3, Top = 1, Seed = 5150 };
        Assert.False((await cluster.Client.GenerateAsync(request)).CacheHit);
        Assert.True((await cluster.Client.GenerateAsync(request)).CacheHit);

        Assert.Equal(3 * device.ImageTokens, tokens.GetMeasurementSnapshot().Sum(m => m.Value));
        Assert.Equal(1, hits.GetMeasurementSnapshot().Sum(m => m.Value));
        Assert.Equal(1, misses.GetMeasurementSnapshot().Sum(m => m.Value));
        var byStage = stages.GetMeasurementSnapshot().GroupBy(m => (string)m.Tags[DalleMetrics.StageTag]!).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(2, byStage.GetValueOrDefault("cache_lookup"));             // both requests looked up
        Assert.Equal(2, byStage.GetValueOrDefault("client_fingerprint"));       // both were fingerprinted by the client
        foreach (var stage in new[] { "tokens", "decode", "rerank", "encode", "total" })
            Assert.Equal(1, byStage.GetValueOrDefault(stage));                  // only the first was generated

        queue.RecordObservableInstruments();
        active.RecordObservableInstruments();
        Assert.Equal(0, queue.LastMeasurement?.Value);                          // observed, and idle again
        Assert.Equal(0, active.LastMeasurement?.Value);
    }
}
