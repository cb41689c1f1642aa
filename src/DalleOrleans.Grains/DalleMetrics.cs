using System.Diagnostics.Metrics;

namespace DalleOrleans.Grains;

/// <summary>
/// The service's instruments (System.Diagnostics.Metrics, meter "DalleOrleans"), named after OpenTelemetry's
/// conventions: dotted lower-case names, units in UCUM ("s", "{token}"), no "_total" suffix (the Prometheus exporter
/// adds it). Exporters (Prometheus on /metrics) subscribe to the meter; nothing here depends on one.
/// Recorded where the work happens: the device executor (tokens, batch size, refusals), the generation grain
/// (cache, stage latency, retries), the generation client (calls retried after a silo loss) and the web front end
/// (requests rejected at the edge).
/// </summary>
public static class DalleMetrics
{
    public const string MeterName = "DalleOrleans";
    static readonly Meter Meter = new(MeterName, "1.0");

    /// <summary>Attribute naming the device (pipeline) a measurement comes from.</summary>
    public const string DeviceTag = "dalle.device";
    /// <summary>
    /// Attribute naming a generation stage: cache_lookup, tokens, decode, rerank, encode, total; and the cluster's own hops,
    /// which `dalle bench compare` reads to say where the cluster's extra time goes: client_fingerprint (the client's
    /// model lookup), directory (one model-directory call), tokens_accepted (call → the device's first update),
    /// decode_call (the decode/rerank round trip as the generation grain sees it).
    /// </summary>
    public const string StageTag = "dalle.stage";
    /// <summary>Attribute naming what was retried after a silo loss: tokens (a device's share), decode, call (the whole request).</summary>
    public const string RetryTag = "dalle.retry";
    /// <summary>Attribute on rejected requests: the HTTP status the edge answered with (429 throttled, 503 busy).</summary>
    public const string StatusTag = "http.response.status_code";

    /// <summary>Image tokens drawn; its rate is the image tokens per second.</summary>
    public static readonly Counter<long> ImageTokens = Meter.CreateCounter<long>("dalle.device.image_tokens", "{token}", "Image tokens drawn.");
    public static readonly Histogram<int> BatchSize = Meter.CreateHistogram<int>("dalle.device.batch_size", "{stream}", "Candidate streams per decode step.",
        tags: null, advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024] });
    public static readonly Counter<long> StreamsRejected = Meter.CreateCounter<long>("dalle.device.streams_rejected", "{stream}", "Streams refused because the admission queue was full.");
    public static readonly Counter<long> CacheHits = Meter.CreateCounter<long>("dalle.cache.hits", "{request}", "Results served from the cache.");
    public static readonly Counter<long> CacheMisses = Meter.CreateCounter<long>("dalle.cache.misses", "{request}", "Lookups that found nothing.");
    public static readonly Counter<long> CacheErrors = Meter.CreateCounter<long>("dalle.cache.errors", "{operation}", "Cache operations that failed (generation went on uncached).");
    public static readonly Counter<long> CacheSkipped = Meter.CreateCounter<long>("dalle.cache.skipped", "{operation}",
        "Cache operations not sent because the circuit breaker was open after Redis failures (generation went on uncached).");
    public static readonly Counter<long> DeviceRetries = Meter.CreateCounter<long>("dalle.generation.retries", "{retry}",
        "Work redone after a device or silo was lost (tag dalle.retry: tokens, decode, call).");
    /// <summary>Seconds, as OpenTelemetry asks of durations; buckets from 5 ms (a cache hit) to 10 minutes (the call timeout).</summary>
    public static readonly Histogram<double> StageDuration = Meter.CreateHistogram<double>("dalle.generation.stage.duration", "s",
        "Time per generation stage (tag dalle.stage).", tags: null,
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600] });
    public static readonly Counter<long> RequestsRejected = Meter.CreateCounter<long>("dalle.requests.rejected", "{request}",
        "Generation requests refused at the edge because the service was overloaded or the caller throttled (tag http.response.status_code).");

    /// <summary>Records one stage's duration given in milliseconds (how the grain measures it).</summary>
    public static void RecordStage(string stage, double milliseconds) =>
        StageDuration.Record(milliseconds / 1000.0, new KeyValuePair<string, object?>(StageTag, stage));

    static Func<(int Queued, int Active)> _load = () => (0, 0);

    /// <summary>Observable gauges read the devices of this process when a collector asks.</summary>
    public static void ObserveDevices(Func<(int Queued, int Active)> load) => _load = load;

    static readonly ObservableGauge<int> QueueDepth = Meter.CreateObservableGauge("dalle.device.queue_depth", () => _load().Queued, "{stream}", "Streams waiting for a batch row.");
    static readonly ObservableGauge<int> ActiveStreams = Meter.CreateObservableGauge("dalle.device.active_streams", () => _load().Active, "{stream}", "Streams in the running batch.");
}
