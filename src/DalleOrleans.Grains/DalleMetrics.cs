using System.Diagnostics.Metrics;

namespace DalleOrleans.Grains;

/// <summary>
/// The service's instruments (System.Diagnostics.Metrics, meter "DalleOrleans"), named after OpenTelemetry's
/// conventions. Exporters (Prometheus) subscribe to the meter; nothing here depends on one.
/// </summary>
public static class DalleMetrics
{
    public const string MeterName = "DalleOrleans";
    static readonly Meter Meter = new(MeterName, "1.0");

    public static readonly Counter<long> ImageTokens = Meter.CreateCounter<long>("dalle.device.image_tokens", "{token}", "Image tokens drawn.");
    public static readonly Histogram<int> BatchSize = Meter.CreateHistogram<int>("dalle.device.batch_size", "{stream}", "Candidate streams per decode step.");
    public static readonly Counter<long> StreamsRejected = Meter.CreateCounter<long>("dalle.device.streams_rejected", "{stream}", "Streams refused because the admission queue was full.");
    public static readonly Counter<long> CacheHits = Meter.CreateCounter<long>("dalle.cache.hits", "{request}", "Results served from the cache.");
    public static readonly Counter<long> CacheMisses = Meter.CreateCounter<long>("dalle.cache.misses", "{request}", "Lookups that found nothing.");
    public static readonly Counter<long> CacheErrors = Meter.CreateCounter<long>("dalle.cache.errors", "{operation}", "Cache operations that failed (generation went on uncached).");
    public static readonly Counter<long> DeviceRetries = Meter.CreateCounter<long>("dalle.generation.retries", "{share}", "Candidate shares redrawn after a device or silo was lost.");
    public static readonly Histogram<double> StageDuration = Meter.CreateHistogram<double>("dalle.generation.stage.duration", "ms", "Time per generation stage (tag stage).");

    static Func<(int Queued, int Active)> _load = () => (0, 0);

    /// <summary>Observable gauges read the devices of this process when a collector asks.</summary>
    public static void ObserveDevices(Func<(int Queued, int Active)> load) => _load = load;

    static readonly ObservableGauge<int> QueueDepth = Meter.CreateObservableGauge("dalle.device.queue_depth", () => _load().Queued, "{stream}", "Streams waiting for a batch row.");
    static readonly ObservableGauge<int> ActiveStreams = Meter.CreateObservableGauge("dalle.device.active_streams", () => _load().Active, "{stream}", "Streams in the running batch.");
}
