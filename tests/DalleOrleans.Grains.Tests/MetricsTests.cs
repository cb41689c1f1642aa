using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using DalleOrleans.Abstractions;
using DalleOrleans.Testing;

namespace DalleOrleans.Grains.Tests;

public class MetricsTests(GenerationCluster cluster) : IClassFixture<GenerationCluster>
{
    [Fact]
    public async Task CountersMoveWithGenerationsAndCacheHits()
    {
        await cluster.WaitForDevices(1);
        var totals = new ConcurrentDictionary<string, double>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) => { if (instrument.Meter.Name == DalleMetrics.MeterName) l.EnableMeasurementEvents(instrument); };
        listener.SetMeasurementEventCallback<long>((i, v, _, _) => totals.AddOrUpdate(i.Name, v, (_, t) => t + v));
        listener.SetMeasurementEventCallback<int>((i, v, _, _) => totals.AddOrUpdate(i.Name, v, (_, t) => t + v));
        listener.SetMeasurementEventCallback<double>((i, v, _, _) => totals.AddOrUpdate(i.Name, 1, (_, t) => t + 1));
        listener.Start();

        var request = new GenerationRequest { Prompt = "a white circle", Candidates = 3, Top = 1, Seed = 5150 };
        await cluster.Client.GenerateAsync(request);
        await cluster.Client.GenerateAsync(request);
        listener.RecordObservableInstruments();

        Assert.True(totals.GetValueOrDefault("dalle.device.image_tokens") >= 3 * 16, "image tokens counted");
        Assert.True(totals.GetValueOrDefault("dalle.cache.hits") >= 1, "the repeat is a cache hit");
        Assert.True(totals.GetValueOrDefault("dalle.cache.misses") >= 1, "the first is a miss");
        Assert.True(totals.GetValueOrDefault("dalle.generation.stage.duration") >= 4, "stage durations recorded");
        Assert.True(totals.ContainsKey("dalle.device.queue_depth") && totals.ContainsKey("dalle.device.active_streams"), "device gauges observed");
    }
}
