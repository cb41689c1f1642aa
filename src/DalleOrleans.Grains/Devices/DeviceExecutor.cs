using System.Collections.Concurrent;
using DalleOrleans.Model;
using DalleOrleans.Model.Sampling;
using DalleOrleans.Model.Transformer;
using Microsoft.Extensions.Logging;

namespace DalleOrleans.Grains.Devices;

/// <summary>
/// One device's dedicated thread. It owns the device's transformer and KV cache, and runs the continuous-batching
/// loop: admit waiting candidate streams into free batch rows, step every active stream once, repeat; between
/// steps it runs queued jobs (shard steps for pipelines headed elsewhere), within <see cref="MaxJobTimePerStep"/>.
/// dVAE decoding, reranking and previews run on the device's <see cref="FinishWorker"/>, batched across requests.
/// Orleans scheduler threads never touch a tensor: grains hand work here and await the returned tasks.
/// </summary>
public sealed class DeviceExecutor : IStreamQueue, IDisposable
{
    readonly DeviceSettings _settings;
    readonly ILogger _log;
    readonly Thread _thread;
    readonly ConcurrentQueue<Action<ModelBundle>> _jobs = new();
    readonly ConcurrentQueue<CandidateStream> _waiting = new();
    readonly AutoResetEvent _wake = new(false);
    readonly TaskCompletionSource<ModelBundle> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    readonly Func<TorchSharp.torch.Device, ModelBundle> _load;
    volatile bool _stopping;
    int _queued, _active, _calls;
    long _accepted;
    long _steps;

    /// <param name="layerCapacity">
    /// 0: <paramref name="load"/> gives the whole model and this device runs its own batching loop. Otherwise the most
    /// layers a shard on this device holds: <paramref name="load"/> gives the model without its transformer, and shard
    /// grains load their layer ranges (<see cref="Shards.ShardLayers"/>).
    /// </param>
    public DeviceExecutor(string device, Func<TorchSharp.torch.Device, ModelBundle> load, DeviceSettings settings, ILogger log, int layerCapacity = 0)
    {
        Device = device;
        Layers = new Shards.ShardLayers(layerCapacity);
        _load = load;
        _settings = settings;
        _log = log;
        _thread = new Thread(Loop) { IsBackground = true, Name = $"device {device}" };
        _thread.Start();
        Finisher = new FinishWorker(device, _ready.Task, log);
    }

    public string Device { get; }
    /// <summary>The transformer layers this device holds for shard grains (device thread only).</summary>
    public Shards.ShardLayers Layers { get; }
    /// <summary>The most layers this device holds; 0 = every layer.</summary>
    public int LayerCapacity => Layers.LayerCapacity;
    /// <summary>The device's decode/rerank/preview worker: batched across requests, off the token loop.</summary>
    public FinishWorker Finisher { get; }
    /// <summary>Completes when the model is loaded on the device (faults when loading failed).</summary>
    public Task<ModelBundle> Ready => _ready.Task;
    public int QueuedStreams => Volatile.Read(ref _queued);
    public int ActiveStreams => Volatile.Read(ref _active);
    public long Steps => Interlocked.Read(ref _steps);
    /// <summary>Streams accepted since start.</summary>
    public long StreamsAccepted => Interlocked.Read(ref _accepted);
    public int MaxBatchRows => _settings.MaxBatchRows;
    /// <summary>Set while draining: no new streams are accepted, running ones finish.</summary>
    public bool Draining { get; private set; }

    /// <summary>Queues streams for the batch; false (nothing queued) when the admission queue is full or draining.</summary>
    public bool TryEnqueue(IReadOnlyList<CandidateStream> streams)
    {
        if (LayerCapacity > 0)
            throw new InvalidOperationException($"device {Device} holds at most {LayerCapacity} layers: it serves only as a shard of a pipeline, never alone.");
        if (Draining || _stopping) return false;
        if (Interlocked.Add(ref _queued, streams.Count) > _settings.MaxQueuedStreams)
        {
            Interlocked.Add(ref _queued, -streams.Count);
            DalleMetrics.StreamsRejected.Add(streams.Count, new KeyValuePair<string, object?>(DalleMetrics.DeviceTag, Device));
            return false;
        }
        foreach (var s in streams) _waiting.Enqueue(s);
        Interlocked.Add(ref _accepted, streams.Count);
        _wake.Set();
        return true;
    }

    /// <summary>Runs <paramref name="job"/> on the device thread between decode steps.</summary>
    public Task<T> Run<T>(Func<ModelBundle, T> job)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (_stopping) { done.SetException(new ObjectDisposedException($"device {Device}")); return done.Task; }
        _jobs.Enqueue(model =>
        {
            try { done.SetResult(job(model)); }
            catch (Exception e) { done.SetException(e); }
        });
        _wake.Set();
        return done.Task;
    }

    Exception? _fault;

    /// <summary>
    /// Fault drills and tests: the next decode step that has streams to run throws <paramref name="fault"/> instead,
    /// taking the same recovery path as a real device error (its streams fail, a fresh batcher takes over).
    /// </summary>
    public void InjectStepFault(Exception fault)
    {
        Volatile.Write(ref _fault, fault);
        _wake.Set();
    }

    /// <summary>Grain calls in progress on this device (token streams being relayed, decodes); see <see cref="TrackCall"/>.</summary>
    public int Calls => Volatile.Read(ref _calls);

    /// <summary>
    /// Counts a grain call until it is disposed. A token stream is finished for its caller only once the caller has read
    /// its last update: the silo must not deactivate the device grain before that, or the caller's enumeration aborts
    /// and the finished work is lost. <see cref="DrainAsync"/> waits for these calls too.
    /// </summary>
    public IDisposable TrackCall()
    {
        Interlocked.Increment(ref _calls);
        return new CallScope(this);
    }

    sealed class CallScope(DeviceExecutor executor) : IDisposable
    {
        int _done;
        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0) Interlocked.Decrement(ref executor._calls);
        }
    }

    /// <summary>
    /// Stops taking new streams; completes when the running and queued ones are done and every call in progress has
    /// handed its results over.
    /// </summary>
    public async Task DrainAsync(CancellationToken cancellation)
    {
        Draining = true;
        // A generation whose tokens came from here decodes them here next (GenerationGrain prefers that device); its call
        // arrives a moment after the token stream ends, so the device counts as drained only after a quiet spell.
        long quietSince = 0;
        while (true)
        {
            if (QueuedStreams + ActiveStreams + Calls > 0) quietSince = 0;
            else if (quietSince == 0) quietSince = System.Diagnostics.Stopwatch.GetTimestamp();
            else if (System.Diagnostics.Stopwatch.GetElapsedTime(quietSince) >= DrainQuiet) return;
            await Task.Delay(20, cancellation);
        }
    }

    /// <summary>How long a draining device must be idle before it is drained (see <see cref="DrainAsync"/>).</summary>
    public static readonly TimeSpan DrainQuiet = TimeSpan.FromMilliseconds(500);

    void Loop()
    {
        ModelBundle model;
        try
        {
            TorchRuntime.Initialize();
            _device = DeviceNames.Parse(Device);
            model = _load(_device);
            if (LayerCapacity > 0 && model.HoldsTransformer)
                throw new InvalidOperationException($"device {Device} holds at most {LayerCapacity} layers, but its loader gave the whole transformer.");
            _ready.SetResult(model);
        }
        catch (Exception e)
        {
            _log.LogError(e, "Device {Device}: the model could not be loaded", Device);
            _ready.SetException(e);
            return;
        }

        if (!model.HoldsTransformer)
        {
            // Only layer ranges for shard grains: no batching loop of its own, just their jobs.
            while (!_stopping)
            {
                RunJobs(model, idle: true);
                _wake.WaitOne(TimeSpan.FromMilliseconds(250));
            }
            return;
        }
        var batcher = NewBatcher(model);
        try
        {
            while (!_stopping)
            {
                RunJobs(model, batcher.IsIdle);
                Admit(batcher);
                if (batcher.IsIdle)
                {
                    _wake.WaitOne(TimeSpan.FromMilliseconds(250));
                    continue;
                }
                try
                {
                    if (Interlocked.Exchange(ref _fault, null) is { } fault) throw fault;
                    long stepStarted = System.Diagnostics.Stopwatch.GetTimestamp();
                    int stepped = batcher.Step();
                    // The device thread's time inside steps: compared with the bare loop's, it tells whether work beside
                    // the loop (finishing, messaging) slows the steps themselves (bench batching prints it).
                    DalleMetrics.RecordStage("device_step", System.Diagnostics.Stopwatch.GetElapsedTime(stepStarted).TotalMilliseconds);
                    DalleMetrics.BatchSize.Record(stepped, new KeyValuePair<string, object?>(DalleMetrics.DeviceTag, Device));
                    DalleMetrics.ImageTokens.Add(stepped, new KeyValuePair<string, object?>(DalleMetrics.DeviceTag, Device));
                    Interlocked.Increment(ref _steps);
                }
                catch (Exception e)
                {
                    // The step's state is unknown: fail every stream it held and start a fresh batcher.
                    _log.LogError(e, "Device {Device}: a decode step failed; failing its {Count} streams", Device, batcher.Streams.Count);
                    foreach (var s in batcher.Streams) s.Fail(e);
                    batcher.Step();                      // drops the failed streams, calling their OnFinished
                    batcher.Dispose();
                    batcher = NewBatcher(model);
                }
                Volatile.Write(ref _active, batcher.ActiveStreams);
            }
        }
        finally
        {
            foreach (var s in batcher.Streams) { s.Fail(new ObjectDisposedException($"device {Device}")); s.OnFinished?.Invoke(s); }
            while (_waiting.TryDequeue(out var s)) { s.Fail(new ObjectDisposedException($"device {Device}")); s.OnFinished?.Invoke(s); }
            batcher.Dispose();
        }
    }

    /// <summary>
    /// The most time queued jobs (shard steps of pipelines on other silos, fault drills) may take between two token steps
    /// while this device has streams of its own: a burst of jobs then waits for the next gap instead of stalling every
    /// stream. Jobs already dequeued always finish.
    /// </summary>
    public static readonly TimeSpan MaxJobTimePerStep = TimeSpan.FromMilliseconds(50);

    void RunJobs(ModelBundle model, bool idle)
    {
        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        while ((idle || System.Diagnostics.Stopwatch.GetElapsedTime(started) < MaxJobTimePerStep) && _jobs.TryDequeue(out var job)) job(model);
    }

    TorchSharp.torch.Device _device = TorchSharp.torch.CPU;

    /// <summary>The batching loop's pipeline: every layer on this device (a split model runs as shard grains instead).</summary>
    ContinuousBatcher NewBatcher(ModelBundle model) => new(new TransformerPipeline(model.Transformer, _settings.MaxBatchRows, _device));

    void Admit(ContinuousBatcher batcher)
    {
        StreamAdmission.Admit(_waiting, ref _queued, batcher);
        Volatile.Write(ref _active, batcher.ActiveStreams);
    }

    public void Dispose()
    {
        _stopping = true;
        _wake.Set();
        // A thread still inside a job after 10 s would step the model after it was freed, and an exception on that raw
        // thread ends the process: then the model and the wake handle are left to the finalizers instead.
        if (!_thread.Join(TimeSpan.FromSeconds(10))) return;
        Finisher.Dispose();
        Layers.Dispose();
        if (_ready.Task.IsCompletedSuccessfully) _ready.Task.Result.Dispose();
        _wake.Dispose();
    }
}
