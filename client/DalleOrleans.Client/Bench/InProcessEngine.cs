using System.Diagnostics;
using DalleOrleans.Abstractions;
using DalleOrleans.Grains;
using DalleOrleans.Grains.Cache;
using DalleOrleans.Grains.Devices;
using DalleOrleans.Model;
using DalleOrleans.Model.Generation;
using Microsoft.Extensions.Logging.Abstractions;

namespace DalleOrleans.Client.Bench;

/// <summary>
/// The baseline the cluster is measured against: the same stages and the same continuous batching (a
/// <see cref="DeviceExecutor"/> thread running the model's batcher), the same in-memory cache, but no Orleans:
/// no grains, no messages, no serialization.
/// </summary>
public sealed class InProcessEngine : IAsyncDisposable
{
    readonly DeviceExecutor _executor;
    readonly MemoryGenerationCache _cache = new(new CacheSettings());
    ModelBundle _model = null!;

    InProcessEngine(DeviceExecutor executor) => _executor = executor;

    public static async Task<InProcessEngine> StartAsync(string modelPath, int maxBatchRows = 32)
    {
        var settings = new DeviceSettings { Path = modelPath, MaxBatchRows = maxBatchRows, MaxQueuedStreams = 100_000 };
        var engine = new InProcessEngine(new DeviceExecutor("cpu", device => ModelBundle.Load(modelPath, device), settings, NullLogger.Instance));
        engine._model = await engine._executor.Ready;
        return engine;
    }

    public async Task<GenerationResult> GenerateAsync(GenerationRequest request, CancellationToken cancellation = default)
    {
        var total = Stopwatch.StartNew();
        string fingerprint = RequestFingerprint.Compute(request, _model.ModelId);
        if (await _cache.TryGetAsync(fingerprint, cancellation) is { } hit)
            return hit with { CacheHit = true, Timings = new StageTimes { TotalMs = total.Elapsed.TotalMilliseconds } };

        var imageRequest = RequestFingerprint.ToImageRequest(request);
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        int finished = 0;
        var streams = Generator.CreateStreams(_model, imageRequest,
            onFinished: _ => { if (Interlocked.Increment(ref finished) == request.Candidates) done.TrySetResult(); });
        if (!_executor.TryEnqueue(streams)) throw new InvalidOperationException("the in-process device is overloaded.");
        await done.Task.WaitAsync(cancellation);
        if (streams.Any(s => !s.IsComplete)) throw new InvalidOperationException("a candidate stream failed.");
        double tokensMs = total.Elapsed.TotalMilliseconds;
        var grids = streams.Select(s => s.ImageTokens).ToArray();
        // The same finishing as the device grain: batched on the device's finish worker, PNGs on the thread pool.
        var kept = await _executor.Finisher.Finish(new FinishJob(imageRequest, grids));
        long encoding = Stopwatch.GetTimestamp();
        var pngs = await Task.WhenAll(kept.Images.Select(k => Task.Run(() => Model.Imaging.PngCodec.EncodeRgb(k.Rgb, k.Width, k.Height))));
        var result = new GenerationResult
        {
            Prompt = request.Prompt, Fingerprint = fingerprint, ModelId = _model.ModelId,
            Images = kept.Images.Select((k, i) => new GeneratedImage(k.Rank, k.Candidate, k.Score, pngs[i])).ToArray(),
            Timings = new StageTimes
            {
                TokensMs = tokensMs, DecodeMs = kept.DecodeMs, RerankMs = kept.RerankMs,
                EncodeMs = Stopwatch.GetElapsedTime(encoding).TotalMilliseconds, TotalMs = total.Elapsed.TotalMilliseconds,
            },
        };
        await _cache.SetAsync(fingerprint, result, cancellation);
        return result;
    }

    public ValueTask DisposeAsync()
    {
        _executor.Dispose();
        return ValueTask.CompletedTask;
    }
}
