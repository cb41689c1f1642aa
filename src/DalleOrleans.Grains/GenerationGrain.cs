using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using DalleOrleans.Abstractions;
using DalleOrleans.Grains.Cache;
using DalleOrleans.Grains.Placement;
using Microsoft.Extensions.Logging;
using Orleans.Concurrency;

namespace DalleOrleans.Grains;

/// <summary>
/// One activation per request fingerprint. Steps: cache lookup (first: a cached result needs no device) → candidates
/// spread over the live pipelines, least in-flight work first (this silo's <see cref="DirectoryView"/> and
/// <see cref="PipelinePicker"/>) → image tokens → dVAE decode and rerank on a device (batched there with other requests)
/// → keep the top K → cache → answer every waiting caller.
/// </summary>
/// <remarks>
/// Reentrant so that identical requests arriving while a generation runs join it (single flight) and
/// watchers can read progress. If a device's silo (or a silo holding a shard of its pipeline) dies mid-generation its
/// share of candidates is drawn again on another pipeline; per-candidate randomness makes the retried candidates identical.
/// Partial previews are rendered only while someone watches.
/// </remarks>
[Reentrant]
public sealed class GenerationGrain(IGenerationCache cache, DirectoryView view, PipelinePicker picker, IClusterMembershipService membership,
    ILogger<GenerationGrain> log) : Grain, IGenerationGrain
{
    const int MaxAttempts = 4;
    Task<GenerationResult>? _running;
    CancellationTokenSource? _cancel;
    int _waiters;
    GenerationProgress _progress = new();
    byte[]? _previewPng;                             // the latest partial preview, for watchers that join later
    string _modelId = "";                            // the model the fingerprint was checked against: the result's model
    readonly List<Channel<GenerationProgress>> _watchers = new();
    (int[] Tokens, IDeviceGrain Device)? _snapshot;   // candidate 0's tokens at the latest preview point, not rendered unless watched

    public async Task<GenerationResult> Generate(GenerationRequest request, CancellationToken cancellation = default)
    {
        string fingerprint = this.GetPrimaryKeyString();
        DalleOrleans.Model.Text.PromptText.Validate(request.Prompt, "prompt");   // control characters, for callers other than GenerationClient
        // A generation whose last caller has left is winding down (its cancellation has fired): joining it would fail this
        // caller with that cancellation. Wait for it to end (the grain is reentrant), then start a fresh one.
        while (_running is { } dying && _cancel is { IsCancellationRequested: true })
            await dying.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Current);
        if (_running is null)
        {
            var cancel = new CancellationTokenSource();
            var run = RunAsync(request, fingerprint, cancel.Token);
            _cancel = cancel;
            _running = run;
            // Clears only its own run: a later run may already have taken the fields when this continuation is scheduled.
            _ = run.ContinueWith(_ =>
            {
                if (ReferenceEquals(_running, run)) { _running = null; _cancel = null; }
                cancel.Dispose();
            }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Current);
        }
        var shared = _running;
        var cancelSource = _cancel;
        _waiters++;
        try
        {
            return await shared.WaitAsync(cancellation);
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            // The last caller to leave cancels the shared generation (and frees its batch slots).
            if (_waiters == 1 && ReferenceEquals(shared, _running)) cancelSource?.Cancel();
            throw;
        }
        finally
        {
            _waiters--;
        }
    }

    /// <summary>
    /// Checks the request against the served model before any device sees it: its limits, and that this grain's key is
    /// the request's fingerprint for that model. Reads this silo's directory view (no directory call per request).
    /// </summary>
    async Task<IReadOnlyList<DeviceInfo>> ValidateForDevices(GenerationRequest request, string fingerprint)
    {
        var devices = await view.Devices();                 // waits out a directory that is moving
        if (devices.Count == 0) throw new InvalidOperationException("no device is available in the cluster; start a silo with a device and retry.");
        RequestFingerprint.ToImageRequest(request).Validate(devices[0].ImageVocabSize);   // bad input never reaches a device
        CheckKey(request, fingerprint, devices[0].ModelId);
        _modelId = devices[0].ModelId;
        return devices;
    }

    static void CheckKey(GenerationRequest request, string fingerprint, string modelId)
    {
        if (RequestFingerprint.Compute(request, modelId) != fingerprint)
            throw new ArgumentException($"this generation grain's key is not the request's fingerprint for model '{modelId}'; use GenerationClient.");
    }

    public Task<bool> IsRunning() => Task.FromResult(_running is not null);

    public Task<int> WaitingCallers() => Task.FromResult(_waiters);

    public async IAsyncEnumerable<GenerationProgress> WatchProgress([EnumeratorCancellation] CancellationToken cancellation = default)
    {
        if (_running is null) yield break;
        var channel = Channel.CreateBounded<GenerationProgress>(new BoundedChannelOptions(16) { FullMode = BoundedChannelFullMode.DropOldest });
        _watchers.Add(channel);
        channel.Writer.TryWrite(_progress with { PreviewPng = _previewPng });
        // A watcher that arrives after the last preview point still gets that preview: it is rendered now, on demand.
        if (_snapshot is { } latest && latest.Tokens.Length > _progress.PreviewTokens && await TryRenderPreview(latest.Device, latest.Tokens) is { } late
            && _running is not null && latest.Tokens.Length > _progress.PreviewTokens)
            Publish(_progress with { PreviewPng = late, PreviewTokens = latest.Tokens.Length });
        try
        {
            await foreach (var p in channel.Reader.ReadAllAsync(cancellation)) yield return p;
        }
        finally
        {
            _watchers.Remove(channel);
        }
    }

    void Publish(GenerationProgress progress, bool final = false)
    {
        // A preview's PNG travels once per watcher: on the report that brings it (here) or in a new watcher's first report.
        if (progress.PreviewPng is not null) _previewPng = progress.PreviewPng;
        _progress = progress with { PreviewPng = null };
        foreach (var w in _watchers)
        {
            w.Writer.TryWrite(progress);
            if (final) w.Writer.TryComplete();
        }
    }

    async Task<GenerationResult> RunAsync(GenerationRequest request, string fingerprint, CancellationToken cancellation)
    {
        var total = Stopwatch.StartNew();
        _previewPng = null;
        _snapshot = null;
        Publish(new GenerationProgress { Fingerprint = fingerprint, Stage = GenerationStage.CacheLookup, Candidates = request.Candidates });
        var cached = await cache.TryGetAsync(fingerprint, cancellation);
        double lookupMs = total.Elapsed.TotalMilliseconds;
        (cached is null ? DalleMetrics.CacheMisses : DalleMetrics.CacheHits).Add(1);
        DalleMetrics.RecordStage("cache_lookup", lookupMs);
        if (cached is not null)
        {
            // The cache answers first, with no device: the key must still be this request's fingerprint for the cached
            // result's model, or a caller could read another request's images under a forged key.
            CheckKey(request, fingerprint, cached.ModelId);
            Publish(_progress with { Stage = GenerationStage.Done, CandidatesDone = request.Candidates }, final: true);
            return cached with { CacheHit = true, Timings = new StageTimes { CacheLookupMs = lookupMs, TotalMs = total.Elapsed.TotalMilliseconds } };
        }

        try
        {
            await ValidateForDevices(request, fingerprint);
            var tokenClock = Stopwatch.StartNew();
            var (tokens, devicesUsed) = await DrawAllTokens(request, fingerprint, cancellation);
            double tokensMs = tokenClock.Elapsed.TotalMilliseconds;

            Publish(_progress with { Stage = GenerationStage.Decoding });
            long decodeCall = Stopwatch.GetTimestamp();
            var ranked = await OnAnyDevice(d => d.DecodeAndRank(request, tokens), devicesUsed.FirstOrDefault()?.Split('+')[0], cancellation);
            // The hop's own cost is decode_call minus the device's decode + rerank + encode.
            DalleMetrics.RecordStage("decode_call", Stopwatch.GetElapsedTime(decodeCall).TotalMilliseconds);
            var result = new GenerationResult
            {
                Prompt = request.Prompt, Images = ranked.Images, Fingerprint = fingerprint, ModelId = _modelId,
                CacheHit = false, Devices = devicesUsed,
                Timings = new StageTimes
                {
                    CacheLookupMs = lookupMs, TokensMs = tokensMs, DecodeMs = ranked.DecodeMs, RerankMs = ranked.RerankMs,
                    EncodeMs = ranked.EncodeMs, TotalMs = total.Elapsed.TotalMilliseconds,
                },
            };
            // Not awaited: a slow or hung cache must not delay the answer (the cache bounds, logs and counts its failures).
            // The in-memory cache stores synchronously, so a repeat is still a hit; Redis' write lands a moment later.
            _ = cache.SetAsync(fingerprint, result, CancellationToken.None);
            foreach (var (stage, ms) in new[] { ("tokens", tokensMs), ("decode", ranked.DecodeMs), ("rerank", ranked.RerankMs), ("encode", ranked.EncodeMs), ("total", total.Elapsed.TotalMilliseconds) })
                DalleMetrics.RecordStage(stage, ms);
            Publish(_progress with { Stage = GenerationStage.Done }, final: true);
            return result;
        }
        catch (OperationCanceledException)
        {
            Publish(_progress with { Stage = GenerationStage.Cancelled }, final: true);
            throw;
        }
        catch (Exception e)
        {
            log.LogWarning("Generation {Fingerprint} failed: {Error}", fingerprint, e.Message);
            Publish(_progress with { Stage = GenerationStage.Failed, Error = e.Message }, final: true);
            throw;
        }
    }

    /// <summary>
    /// Spreads the candidates over the live pipelines, least in-flight work first (<see cref="PipelinePicker"/>); a share
    /// whose pipeline fails is redrawn elsewhere.
    /// </summary>
    async Task<(Dictionary<int, int[]> Tokens, IReadOnlyList<string> Devices)> DrawAllTokens(GenerationRequest request, string fingerprint, CancellationToken cancellation)
    {
        var tokens = new Dictionary<int, int[]>();
        var used = new List<string>();
        var pending = Enumerable.Range(0, request.Candidates).ToList();
        var failedPipelines = new HashSet<string>();
        var overloaded = new List<string>();           // pipelines that refused for a full queue (alive, just busy)
        for (int attempt = 1; pending.Count > 0; attempt++)
        {
            var pipelines = (await view.Pipelines(fresh: attempt > 1)).Where(p => !failedPipelines.Contains(p.Key)).ToList();
            if (pipelines.Count == 0 && overloaded.Count > 0)
                throw new DeviceOverloadedException($"the cluster is overloaded: every device's queue is full ({string.Join("; ", overloaded)}); retry later.");
            if (pipelines.Count == 0) throw new InvalidOperationException("no live device is available to draw image tokens; retry later.");
            int perImage = pipelines[0].Head.ImageTokens;
            var work = picker.Assign(pipelines, pending);
            var inFlight = new int[work.Count];            // tokens drawn so far by each running share

            var tasks = work.Select(async (w, share) =>
            {
                using var _ = w;                            // the share leaves the picker's in-flight count when it ends
                var head = w.Pipeline.Head.Key;
                var device = GrainFactory.GetGrain<IDeviceGrain>(head);
                var job = new TokenWork
                {
                    Fingerprint = fingerprint, Request = request, CandidateIndices = w.Indices, Route = w.Pipeline.Route.ToArray(),
                    RenderPreviews = false,                // previews are rendered below, only while someone watches
                };
                Dictionary<int, int[]>? result = null;
                long called = Stopwatch.GetTimestamp();
                bool accepted = false;
                await foreach (var update in WithLivenessCheck(device.DrawTokens(job, cancellation), head, cancellation))
                {
                    // Call → first update ("accepted"): what it costs to reach the device and queue the streams.
                    if (!accepted) { accepted = true; w.Accepted(); DalleMetrics.RecordStage("tokens_accepted", Stopwatch.GetElapsedTime(called).TotalMilliseconds); }
                    inFlight[share] = update.TokensDone;
                    if (update.Tokens is not null) result = update.Tokens;
                    if (update.PreviewSnapshot is { } snapshot) _snapshot = (snapshot, device);
                    var previewPng = update.PreviewSnapshot is { } shown && _watchers.Count > 0 ? await TryRenderPreview(device, shown) : null;
                    int done = tokens.Count * perImage + inFlight.Sum();
                    Publish(_progress with
                    {
                        Stage = GenerationStage.Tokens, TokensDone = done, TokensTotal = request.Candidates * perImage,
                        CandidatesDone = perImage == 0 ? 0 : done / perImage,
                        PreviewPng = previewPng,
                        PreviewTokens = previewPng is null ? _progress.PreviewTokens : update.PreviewSnapshot!.Length,
                    });
                }
                return result ?? throw new InvalidOperationException($"pipeline {w.Pipeline.Key} ended without tokens.");
            }).ToList();

            for (int i = 0; i < tasks.Count; i++)
            {
                try
                {
                    foreach (var (index, grid) in await tasks[i]) tokens[index] = grid;
                    used.Add(work[i].Pipeline.Key);
                    pending.RemoveAll(work[i].Indices.Contains);
                }
                catch (Exception e) when (IsDeviceLoss(e) && attempt < MaxAttempts && !cancellation.IsCancellationRequested)
                {
                    log.LogWarning("Pipeline {Pipeline} was lost while drawing {Count} candidates; retrying elsewhere: {Error}",
                        work[i].Pipeline.Key, work[i].Indices.Length, e.Message);
                    // An aborted enumeration says nothing about the device (the cluster's grain directory moved when a silo left):
                    // its share is asked again, on any pipeline including that one. Other losses rule the pipeline out.
                    if (!IsAbortedEnumeration(e)) failedPipelines.Add(work[i].Pipeline.Key);
                    if (e is DeviceOverloadedException) overloaded.Add(e.Message);
                    DalleMetrics.DeviceRetries.Add(1, new KeyValuePair<string, object?>(DalleMetrics.RetryTag, "tokens"));
                }
                finally
                {
                    inFlight[i] = 0;
                }
            }
        }
        return (tokens, used);
    }

    /// <summary>A preview is best effort: one that cannot be rendered is skipped, never a reason to fail the request.</summary>
    async Task<byte[]?> TryRenderPreview(IDeviceGrain device, int[] tokensSoFar)
    {
        try { return await device.RenderPreview(tokensSoFar); }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            log.LogDebug("A partial preview could not be rendered: {Error}", e.Message);
            return null;
        }
    }

    /// <summary>
    /// Relays a device's updates, but while none arrives checks every <see cref="StallCheck"/> that the device's silo is
    /// still alive: a call to a silo that died can otherwise wait for its full response timeout.
    /// </summary>
    async IAsyncEnumerable<TokenUpdate> WithLivenessCheck(IAsyncEnumerable<TokenUpdate> updates, string deviceKey,
        [EnumeratorCancellation] CancellationToken cancellation)
    {
        var enumerator = updates.GetAsyncEnumerator(cancellation);
        bool finished = false;
        try
        {
            while (true)
            {
                var next = enumerator.MoveNextAsync().AsTask();
                while (await Task.WhenAny(next, Task.Delay(StallCheck, cancellation)) != next)
                {
                    cancellation.ThrowIfCancellationRequested();
                    if (!SiloOfDeviceIsAlive(deviceKey))
                        throw new SiloUnavailableException($"device {deviceKey} left the cluster while drawing tokens.");
                }
                if (!await next) break;
                yield return enumerator.Current;
            }
            finished = true;
        }
        finally
        {
            // Disposing an enumerator on a dead silo could wait as long as the call did: don't wait for it then.
            var dispose = enumerator.DisposeAsync().AsTask();
            if (finished) await dispose;
            else _ = dispose.ContinueWith(t => _ = t.Exception, TaskScheduler.Default);
        }
    }

    static readonly TimeSpan StallCheck = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Membership, not the directory, says whether a device is gone: a draining device has left the directory (it takes
    /// no new streams) but finishes the ones it holds while its silo is still up; giving up on it would redo that work.
    /// </summary>
    bool SiloOfDeviceIsAlive(string deviceKey)
    {
        var (siloAddress, _) = Placement.DevicePlacementDirector.ParseKey(deviceKey);
        return membership.CurrentSnapshot.GetSiloStatus(siloAddress) is SiloStatus.Active or SiloStatus.ShuttingDown or SiloStatus.Stopping;
    }

    /// <summary>
    /// Runs a call on <paramref name="preferred"/> (a device that drew this request's tokens) while its silo is up, else
    /// on the least loaded live device, moving to another one if its silo is lost. Why the preference: a draining device
    /// has left the directory but still finishes what it started, and in a one-silo cluster it is the only device there
    /// is; its drain waits a quiet spell for this follow-up call (<see cref="DeviceExecutor.DrainAsync"/>).
    /// </summary>
    async Task<T> OnAnyDevice<T>(Func<IDeviceGrain, Task<T>> call, string? preferred, CancellationToken cancellation)
    {
        var failed = new HashSet<string>();
        for (int attempt = 1; ; attempt++)
        {
            cancellation.ThrowIfCancellationRequested();
            string key = preferred is not null && !failed.Contains(preferred) && SiloOfDeviceIsAlive(preferred)
                ? preferred
                : (await view.Devices(fresh: attempt > 1)).FirstOrDefault(d => !failed.Contains(d.Key))?.Key
                  ?? throw new InvalidOperationException("no live device is available to decode images; retry later.");
            try
            {
                return await call(GrainFactory.GetGrain<IDeviceGrain>(key));
            }
            catch (Exception e) when (IsDeviceLoss(e) && attempt < MaxAttempts)
            {
                log.LogWarning("Device {Device} was lost while decoding; retrying elsewhere: {Error}", key, e.Message);
                DalleMetrics.DeviceRetries.Add(1, new KeyValuePair<string, object?>(DalleMetrics.RetryTag, "decode"));
                failed.Add(key);
            }
        }
    }

    static bool IsAbortedEnumeration(Exception e) => e is EnumerationAbortedException || e.InnerException is { } inner && IsAbortedEnumeration(inner);

    /// <summary>Failures that mean "that silo or device is gone", as opposed to a bad request or a model error.</summary>
    static bool IsDeviceLoss(Exception e) =>
        e is SiloUnavailableException or OrleansMessageRejectionException or TimeoutException or ObjectDisposedException
          or DeviceOverloadedException or PipelineBrokenException
          or EnumerationAbortedException                 // the device grain's silo stopped before the stream was read to its end
        || (e is OrleansException && e is not ArgumentException)
        || e.InnerException is not null && IsDeviceLoss(e.InnerException);
}
