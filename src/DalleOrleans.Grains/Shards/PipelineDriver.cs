using System.Collections.Concurrent;
using DalleOrleans.Abstractions;
using DalleOrleans.Grains.Devices;
using DalleOrleans.Model;
using DalleOrleans.Model.Sampling;
using DalleOrleans.Model.Transformer;
using Microsoft.Extensions.Logging;

namespace DalleOrleans.Grains.Shards;

/// <summary>
/// The batching loop of a pipeline whose shards are grains on several devices, run by the silo of its first device.
/// The batch rows are split into lanes (micro-batches), each a <see cref="ContinuousBatcher"/> on its own thread over
/// a <see cref="ShardChain"/>: while lane 0's hidden state is on shard 1, lane 1 runs on shard 0, so with as many
/// lanes as shards every shard works at once. Streams join whichever lane has room. A failed hop (a shard's silo died)
/// breaks the whole pipeline: its streams fail with <see cref="PipelineBrokenException"/> and are redrawn elsewhere.
/// </summary>
public sealed class PipelineDriver : IStreamQueue, IDisposable
{
    readonly IReadOnlyList<IShardGrain> _shards;
    readonly ConcurrentQueue<CandidateStream> _waiting = new();
    readonly object _admitGate = new();
    readonly AutoResetEvent[] _wake;
    readonly Thread[] _threads;
    readonly ShardChain[] _chains;
    readonly int[] _active;
    readonly int _maxQueued;
    readonly ILogger _log;
    volatile bool _stopping;
    volatile Exception? _broken;
    int _queued;
    long _steps, _accepted;

    public PipelineDriver(IGrainFactory grains, IReadOnlyList<ShardRoute> route, TransformerConfig config, DeviceSettings settings, ILogger log)
    {
        string pipeline = Guid.NewGuid().ToString("N")[..12];
        Device = string.Join("+", route.Select(r => r.ToString()));
        HeadDeviceKey = route[0].DeviceKey;
        _shards = route.Select(r => grains.GetGrain<IShardGrain>(new ShardKey(r.DeviceKey, pipeline, r.FirstLayer, r.LayerCount).ToString())).ToList();
        int lanes = settings.MicroBatches > 0 ? settings.MicroBatches : route.Count;
        int rows = Math.Max(2, settings.MaxBatchRows / lanes);
        _maxQueued = settings.MaxQueuedStreams;
        _log = log;
        _active = new int[lanes];
        _wake = Enumerable.Range(0, lanes).Select(_ => new AutoResetEvent(false)).ToArray();
        _chains = Enumerable.Range(0, lanes).Select(lane => new ShardChain(_shards, lane, rows, config)).ToArray();
        _threads = Enumerable.Range(0, lanes).Select(lane => new Thread(() => Loop(lane)) { IsBackground = true, Name = $"pipeline lane {lane}" }).ToArray();
        foreach (var t in _threads) t.Start();
    }

    public string Device { get; }
    /// <summary>The device whose grain drives this pipeline (shard 0).</summary>
    public string HeadDeviceKey { get; }
    public int Lanes => _threads.Length;
    public bool Draining => _stopping || _broken is not null;
    public bool IsBroken => _broken is not null;
    public int QueuedStreams => Volatile.Read(ref _queued);
    public int ActiveStreams => _active.Sum(a => Volatile.Read(ref a));
    public long Steps => Interlocked.Read(ref _steps);
    public long StreamsAccepted => Interlocked.Read(ref _accepted);
    /// <summary>Seconds the lanes spent waiting on shards (hops and the shards' own work), summed over lanes.</summary>
    public double ShardWaitSeconds => _chains.Sum(c => Interlocked.Read(ref c.WaitTicks)) / (double)System.Diagnostics.Stopwatch.Frequency;

    public bool TryEnqueue(IReadOnlyList<CandidateStream> streams)
    {
        if (Draining) return false;
        if (Interlocked.Add(ref _queued, streams.Count) > _maxQueued)
        {
            Interlocked.Add(ref _queued, -streams.Count);
            return false;
        }
        foreach (var s in streams) _waiting.Enqueue(s);
        Interlocked.Add(ref _accepted, streams.Count);
        foreach (var w in _wake) w.Set();
        return true;
    }

    void Loop(int lane)
    {
        TorchRuntime.Initialize();
        var batcher = new ContinuousBatcher(_chains[lane]);
        try
        {
            while (!_stopping && _broken is null)
            {
                Admit(batcher);
                Volatile.Write(ref _active[lane], batcher.ActiveStreams);
                if (batcher.IsIdle)
                {
                    _wake[lane].WaitOne(TimeSpan.FromMilliseconds(250));
                    continue;
                }
                try
                {
                    int stepped = batcher.Step();
                    DalleMetrics.BatchSize.Record(stepped, new KeyValuePair<string, object?>(DalleMetrics.DeviceTag, Device));
                    DalleMetrics.ImageTokens.Add(stepped, new KeyValuePair<string, object?>(DalleMetrics.DeviceTag, Device));
                    Interlocked.Increment(ref _steps);
                }
                catch (Exception e)
                {
                    // A hop failed: the shards' KV rows are in an unknown state. The whole pipeline stops; its streams go elsewhere.
                    _log.LogWarning("Pipeline {Pipeline}, lane {Lane}: a step failed; the pipeline is broken: {Error}", Device, lane, e.Message);
                    _broken ??= new PipelineBrokenException($"pipeline {Device} lost a shard: {e.GetBaseException().Message}");
                    foreach (var w in _wake) w.Set();
                }
            }
        }
        finally
        {
            var reason = _broken ?? new ObjectDisposedException($"pipeline {Device}");
            foreach (var s in batcher.Streams) { s.Fail(reason); s.OnFinished?.Invoke(s); }
            lock (_admitGate)
                while (_waiting.TryDequeue(out var s)) { Interlocked.Decrement(ref _queued); s.Fail(reason); s.OnFinished?.Invoke(s); }
            Volatile.Write(ref _active[lane], 0);
        }
    }

    void Admit(ContinuousBatcher batcher)
    {
        lock (_admitGate)
        {
            StreamAdmission.Admit(_waiting, ref _queued, batcher);
        }
    }

    public void Dispose()
    {
        _stopping = true;
        foreach (var w in _wake) w.Set();
        foreach (var t in _threads) t.Join(TimeSpan.FromSeconds(10));
        foreach (var shard in _shards) _ = shard.Release().ContinueWith(t => _ = t.Exception, TaskScheduler.Default);
        foreach (var w in _wake) w.Dispose();
    }
}
