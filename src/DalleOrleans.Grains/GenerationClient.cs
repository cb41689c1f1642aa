using DalleOrleans.Abstractions;

namespace DalleOrleans.Grains;

/// <summary>
/// How front ends (CLI, web, load harness) ask the cluster for images: validates the request against the
/// served model's limits, computes its fingerprint and calls the GenerationGrain it names, relaying progress.
/// </summary>
public sealed class GenerationClient(IGrainFactory grains)
{
    /// <summary>
    /// The served model: id and limits, as the directory last heard from a device (kept while no device is live, so a
    /// cached result can still be fetched). Throws when no device ever registered (after waiting out a moving directory).
    /// </summary>
    public async Task<ServedModel> ServedModelAsync()
    {
        var directory = grains.GetGrain<IModelDirectoryGrain>(0);
        var deadline = DateTime.UtcNow + DirectoryPatience.Default;
        while (true)
        {
            // Bounded: a call to a directory activation on a silo that was just killed waits out the whole response
            // timeout (30 s) otherwise; a TimeoutException here is retried by GenerateAsync like any runtime failure.
            if (await directory.Model().WaitAsync(DirectoryCallTimeout) is { } model) return model;
            if (DateTime.UtcNow >= deadline)
                throw new InvalidOperationException("no device is available in the cluster yet; start a silo with a device and retry.");
            await Task.Delay(200);
        }
    }

    /// <summary>How long one directory call may take before it counts as a transient failure (it answers in about a millisecond).</summary>
    static readonly TimeSpan DirectoryCallTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Waits until the directory lists at least <paramref name="count"/> devices (silos register a moment after they start).</summary>
    public async Task WaitForDevicesAsync(int count = 1, TimeSpan? timeout = null, CancellationToken cancellation = default)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (true)
        {
            var devices = await grains.GetGrain<IModelDirectoryGrain>(0).Devices();
            if (devices.Count >= count) return;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"only {devices.Count} of {count} device(s) registered within {(timeout ?? TimeSpan.FromSeconds(60)).TotalSeconds:F0} s; are the silos running and their model loaded?");
            await Task.Delay(100, cancellation);
        }
    }

    /// <summary>Checks every field (except the prompt's token length, which the device's tokenizer checks) and returns the fingerprint.</summary>
    public async Task<string> FingerprintAsync(GenerationRequest request)
    {
        // Before anything is sent: Orleans encodes strings as UTF-8, which would silently turn a lone surrogate into
        // U+FFFD, so invalid text must be refused on this side of the wire.
        DalleOrleans.Model.Text.PromptText.Validate(request.Prompt, "prompt");
        var model = await ServedModelAsync();
        RequestFingerprint.ToImageRequest(request).Validate(model.ImageVocabSize);
        return RequestFingerprint.Compute(request, model.ModelId);
    }

    /// <summary>
    /// Generates (or fetches from the cache). When the silo holding the generation dies, the call is made again:
    /// the grain reactivates on a live silo and, with per-candidate seeds, produces the same images.
    /// </summary>
    public async Task<GenerationResult> GenerateAsync(GenerationRequest request, IProgress<GenerationProgress>? progress = null,
        CancellationToken cancellation = default)
    {
        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        // A killed silo stays in the membership table until the cluster declares it dead (seconds: Cluster:ProbeTimeout ×
        // Cluster:MissedProbesLimit plus the vote); calls routed to it meanwhile fail at once. Transient failures are
        // retried with backoff for longer than that window, the directory call included, instead of twice in 0.6 s.
        var retryUntil = DateTime.UtcNow + TransientRetryWindow;
        string fingerprint;
        for (int attempt = 1; ; attempt++)
        {
            try { fingerprint = await FingerprintAsync(request); break; }
            catch (Exception e) when (IsTransient(e) && (attempt < MinTransientAttempts || DateTime.UtcNow < retryUntil) && !cancellation.IsCancellationRequested)
            {
                DalleMetrics.DeviceRetries.Add(1, new KeyValuePair<string, object?>(DalleMetrics.RetryTag, "directory"));
                await Task.Delay(Backoff(attempt), cancellation);
            }
        }
        DalleMetrics.RecordStage("client_fingerprint", System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        var grain = grains.GetGrain<IGenerationGrain>(fingerprint);
        int orphaned = 0;
        for (int attempt = 1; ; attempt++)
        {
            var generation = grain.Generate(request, cancellation);
            if (progress is not null) _ = Relay(grain, progress, generation, cancellation);
            try
            {
                if (await IsOrphaned(grain, generation, cancellation))           // its silo died: ask again
                {
                    if (++orphaned >= 5) throw new InvalidOperationException("the generation lost its silo five times; giving up.");
                    DalleMetrics.DeviceRetries.Add(1, new KeyValuePair<string, object?>(DalleMetrics.RetryTag, "call"));
                    continue;
                }
                return await generation;
            }
            catch (Exception e) when (IsTransient(e) && (attempt < MinTransientAttempts || DateTime.UtcNow < retryUntil) && !cancellation.IsCancellationRequested)
            {
                DalleMetrics.DeviceRetries.Add(1, new KeyValuePair<string, object?>(DalleMetrics.RetryTag, "call"));
                await Task.Delay(Backoff(attempt), cancellation);
            }
        }
    }

    /// <summary>How long transient failures are retried: well beyond the shipped death detection (≈ 4 s, RELIABILITY.md).</summary>
    static readonly TimeSpan TransientRetryWindow = TimeSpan.FromSeconds(20);

    /// <summary>
    /// Attempts made whatever the clock says: a call to a killed silo can itself take the whole response timeout (30 s) to
    /// fail, which would otherwise use up the window before the first retry (seen in the 20-minute soak).
    /// </summary>
    const int MinTransientAttempts = 4;

    static TimeSpan Backoff(int attempt) => TimeSpan.FromMilliseconds(Math.Min(2000, 200 * (1 << Math.Min(attempt - 1, 4))));

    /// <summary>
    /// Failures of the runtime rather than of the request: a silo that is gone or unreachable (Orleans' messaging and
    /// connection exceptions all derive from OrleansException) or a call that timed out. Errors a grain throws about the
    /// request itself arrive as their own types (ArgumentException, InvalidOperationException, …) and are not retried.
    /// </summary>
    static bool IsTransient(Exception e) => e is OrleansException or TimeoutException;

    /// <summary>
    /// Waits for the call; while it is pending, asks the grain every few seconds whether it is still generating.
    /// Twice "no" means the activation that held this call is gone (its silo died) and the answer will never come;
    /// the grain then lives on another silo, and calling again joins or restarts the generation there.
    /// </summary>
    static async Task<bool> IsOrphaned(IGenerationGrain grain, Task generation, CancellationToken cancellation)
    {
        int idleChecks = 0;
        while (!generation.IsCompleted)
        {
            await Task.WhenAny(generation, Task.Delay(OrphanCheck, cancellation));
            if (generation.IsCompleted || cancellation.IsCancellationRequested) break;
            try
            {
                bool running = await grain.IsRunning().WaitAsync(TimeSpan.FromSeconds(5), cancellation);
                idleChecks = running ? 0 : idleChecks + 1;
            }
            catch (Exception) when (!cancellation.IsCancellationRequested) { }   // no answer: keep waiting
            if (idleChecks >= 2 && !generation.IsCompleted)
            {
                _ = generation.ContinueWith(t => _ = t.Exception, TaskScheduler.Default);
                return true;
            }
        }
        return false;
    }

    static readonly TimeSpan OrphanCheck = TimeSpan.FromSeconds(2);

    /// <summary>Reads the grain's progress stream until the generation ends; progress is best effort.</summary>
    static async Task Relay(IGenerationGrain grain, IProgress<GenerationProgress> progress, Task generation, CancellationToken cancellation)
    {
        try
        {
            await Task.Delay(20, cancellation);                  // let the generation start first
            while (!generation.IsCompleted)
            {
                await foreach (var p in grain.WatchProgress(cancellation)) progress.Report(p);
                await Task.WhenAny(generation, Task.Delay(50, cancellation));
            }
        }
        catch (Exception) when (cancellation.IsCancellationRequested || generation.IsCompleted) { }
        catch (Exception) { }
    }
}
