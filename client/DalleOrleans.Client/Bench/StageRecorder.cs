using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using DalleOrleans.Abstractions;
using DalleOrleans.Grains;

namespace DalleOrleans.Client.Bench;

/// <summary>
/// Collects, for one load run, where each request's time went: the stage timings every result carries (tokens, decode,
/// rerank, encode, total as the generation grain or the in-process engine measured them), the caller's own end-to-end
/// latency, and the cluster's hop timings that the grains publish on the stage histogram (meter "DalleOrleans",
/// tag dalle.stage: client_fingerprint, directory, tokens_accepted, decode_call, cache_lookup). Only an embedded silo
/// publishes into this process; against a remote cluster only the results' own timings are seen.
/// </summary>
public sealed class StageRecorder : IDisposable
{
    readonly MeterListener _listener = new();
    readonly ConcurrentDictionary<string, ConcurrentBag<double>> _stages = new();
    readonly ConcurrentBag<(double EndToEndMs, StageTimes Timings)> _results = new();

    /// <param name="listen">False for a recorder that only collects what others recorded (<see cref="Absorb"/>).</param>
    public StageRecorder(bool listen = true)
    {
        if (!listen) return;
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == DalleMetrics.MeterName && (instrument.Name == DalleMetrics.StageDuration.Name || instrument.Name == DalleMetrics.BatchSize.Name))
                listener.EnableMeasurementEvents(instrument);
        };
        // Streams per decode step: how full the continuous batch ran (embedded silo only).
        _listener.SetMeasurementEventCallback<int>((_, streams, _, _) =>
        {
            Interlocked.Increment(ref _steps);
            Interlocked.Add(ref _stepStreams, streams);
        });
        _listener.SetMeasurementEventCallback<double>((_, seconds, tags, _) =>
        {
            foreach (var tag in tags)
                if (tag.Key == DalleMetrics.StageTag && tag.Value is string stage)
                    _stages.GetOrAdd(stage, _ => new ConcurrentBag<double>()).Add(seconds * 1000);
        });
        _listener.Start();
    }

    /// <summary>Wraps a generate function so that every successful result's timings and latency are kept.</summary>
    public Func<GenerationRequest, CancellationToken, Task<GenerationResult>> Wrap(Func<GenerationRequest, CancellationToken, Task<GenerationResult>> generate) =>
        async (request, cancellation) =>
        {
            long started = System.Diagnostics.Stopwatch.GetTimestamp();
            var result = await generate(request, cancellation);
            _results.Add((System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds, result.Timings));
            return result;
        };

    /// <summary>Forgets what was recorded (the warm-up's measurements, or a previous point's).</summary>
    public void Clear()
    {
        _stages.Clear();
        _results.Clear();
        Interlocked.Exchange(ref _steps, 0);
        Interlocked.Exchange(ref _stepStreams, 0);
    }

    long _steps, _stepStreams;
    /// <summary>Decode steps the device ran, and the mean streams per step (0 when no device of this process ran).</summary>
    public long Steps => Interlocked.Read(ref _steps);
    public double MeanBatch => Steps == 0 ? 0 : (double)Interlocked.Read(ref _stepStreams) / Steps;

    public int Requests => _results.Count;

    /// <summary>Adds what <paramref name="other"/> recorded to this one (windows of one mode, taken in turns with another).</summary>
    public void Absorb(StageRecorder other)
    {
        foreach (var (stage, values) in other._stages)
            foreach (var v in values) _stages.GetOrAdd(stage, _ => new ConcurrentBag<double>()).Add(v);
        foreach (var r in other._results) _results.Add(r);
        Interlocked.Add(ref _steps, other.Steps);
        Interlocked.Add(ref _stepStreams, Interlocked.Read(ref other._stepStreams));
    }

    /// <summary>Mean per request of a hop recorded by the grains (a stage recorded twice in one request counts twice).</summary>
    public double PerRequest(string stage) =>
        _results.IsEmpty || !_stages.TryGetValue(stage, out var values) ? 0 : values.Sum() / _results.Count;

    /// <summary>How many times per request the grains recorded a hop (e.g. directory calls per request).</summary>
    public double CountPerRequest(string stage) =>
        _results.IsEmpty || !_stages.TryGetValue(stage, out var values) ? 0 : (double)values.Count / _results.Count;

    /// <summary>Total milliseconds and count of a stage's recordings (e.g. device_step: the device thread's time inside decode steps).</summary>
    public (double TotalMs, int Count) Totals(string stage) =>
        _stages.TryGetValue(stage, out var values) ? (values.Sum(), values.Count) : (0, 0);

    public double Mean(Func<StageTimes, double> field) => _results.IsEmpty ? 0 : _results.Average(r => field(r.Timings));
    public double MeanEndToEnd => _results.IsEmpty ? 0 : _results.Average(r => r.EndToEndMs);

    public void Dispose() => _listener.Dispose();
}
