using System.Runtime.CompilerServices;
using System.Threading.Channels;
using DalleOrleans.Abstractions;
using DalleOrleans.Grains.Devices;
using DalleOrleans.Grains.Placement;
using DalleOrleans.Grains.Shards;
using DalleOrleans.Model.Generation;
using DalleOrleans.Model.Imaging;
using DalleOrleans.Model.Sampling;
using Orleans.Concurrency;

namespace DalleOrleans.Grains;

/// <summary>Raised when a device's admission queue is full: the caller should retry later or elsewhere.</summary>
[GenerateSerializer, Alias("DalleOrleans.DeviceOverloadedException")]
public sealed class DeviceOverloadedException(string message) : Exception(message);

/// <summary>
/// Raised when a pipeline of shards on several devices lost one of them mid-step (its silo died, or a shard failed):
/// the streams it held are redrawn on another pipeline.
/// </summary>
[GenerateSerializer, Alias("DalleOrleans.PipelineBrokenException")]
public sealed class PipelineBrokenException(string message) : Exception(message);

/// <summary>
/// The per-device model grain. It runs on its device's silo (<see cref="DevicePlacementAttribute"/>) and is a thin,
/// reentrant front for the device's executor thread: it validates, hands work over and relays progress.
/// </summary>
[DevicePlacement, Reentrant]
public sealed class DeviceGrain(DeviceHost host, PipelineDrivers drivers, ILocalSiloDetails silo) : Grain, IDeviceGrain
{
    DeviceExecutor Executor
    {
        get
        {
            var (siloAddress, device) = DevicePlacementDirector.ParseKey(this.GetPrimaryKeyString());
            if (!siloAddress.Equals(silo.SiloAddress))
                throw new InvalidOperationException($"device grain {this.GetPrimaryKeyString()} activated on {silo.SiloAddress}, not its own silo.");
            return host.Get(device);
        }
    }

    public async Task<DeviceInfo> Describe()
    {
        var executor = Executor;
        var model = await executor.Ready;
        return new DeviceInfo
        {
            Key = this.GetPrimaryKeyString(), Silo = silo.SiloAddress.ToString(), Device = executor.Device, ModelId = model.ModelId,
            MaxBatchRows = executor.MaxBatchRows, ActiveStreams = executor.ActiveStreams, QueuedStreams = executor.QueuedStreams,
            ImageTokens = model.Config.Transformer.ImageTokens, ImageVocabSize = model.Config.Transformer.ImageVocabSize,
            TextTokens = model.Config.Transformer.TextLength,
            Draining = executor.Draining, StreamsAccepted = executor.StreamsAccepted,
            Layers = model.Config.Transformer.Layers, LayerCapacity = executor.LayerCapacity,
        };
    }

    public async Task<int> CountPromptTokens(string prompt)
    {
        var model = await Executor.Ready;
        try
        {
            return model.Tokenizer.Encode(prompt).Length;
        }
        catch (DalleOrleans.Model.Text.PromptTooLongException e)
        {
            return e.TokenCount;             // over the limit: the caller reports the count against DeviceInfo.TextTokens
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException(e.Message, "prompt");     // plain type: model-library subclasses have no codec
        }
    }

    public async IAsyncEnumerable<TokenUpdate> DrawTokens(TokenWork work, [EnumeratorCancellation] CancellationToken cancellation = default)
    {
        var executor = Executor;
        using var call = executor.TrackCall();          // a draining silo waits until the caller has read the tokens
        var model = await executor.Ready;
        var request = RequestFingerprint.ToImageRequest(work.Request);
        int tokensDone = 0, finished = 0;
        var ticks = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
        // Previews: the share that draws candidate 0 snapshots its tokens every few grid rows (on the device thread);
        // the relay loop below renders the latest snapshot on the device between steps and sends it on.
        int previewEvery = work.CandidateIndices.Contains(0)
            ? PartialPreview.Interval(model.Config.Dvae.GridSize, host.Settings.PreviewsPerImage) : 0;
        int[]? previewDue = null;
        CandidateStream[] streams = Array.Empty<CandidateStream>();
        try
        {
            streams = CreateStreams();
        }
        catch (ArgumentException e) when (e.GetType() != typeof(ArgumentException))
        {
            // Model-library subclasses (PromptTooLongException) have no Orleans codec; callers get the plain message.
            throw new ArgumentException(e.Message);
        }
        CandidateStream[] CreateStreams() => Generator.CreateStreams(model, request, work.CandidateIndices,
            onToken: s =>
            {
                Interlocked.Increment(ref tokensDone);
                if (previewEvery > 0 && (int)s.Tag! == 0 && s.Generated % previewEvery == 0 && !s.IsComplete)
                {
                    Volatile.Write(ref previewDue, s.Tokens.ToArray());
                    ticks.Writer.TryWrite(true);
                }
                else if (s.Generated % 8 == 0) ticks.Writer.TryWrite(true);      // progress, at most one pending tick
            },
            onFinished: _ =>
            {
                if (Interlocked.Increment(ref finished) == streams.Length) ticks.Writer.TryComplete();
                else ticks.Writer.TryWrite(true);
            });
        // Every layer here, or a pipeline of shard grains that this device heads.
        IStreamQueue queue = work.Route.Length == 0 ? executor : drivers.For(CheckRoute(work.Route, model.Config.Transformer.Layers), model.Config.Transformer);
        if (!queue.TryEnqueue(streams))
            // Either way the generation grain moves this share to another device.
            throw new DeviceOverloadedException(queue.Draining
                ? $"device {queue.Device} is draining (its silo is stopping); retry on another device."
                : $"device {queue.Device} is overloaded ({queue.QueuedStreams} streams waiting, limit {host.Settings.MaxQueuedStreams}); retry later.");

        using (cancellation.Register(() => { foreach (var s in streams) s.Cancel(); }))
        {
            // "Accepted": callers learn at once that the work is queued here rather than refused.
            yield return new TokenUpdate { TokensDone = 0, CandidatesDone = 0 };
            await foreach (var _ in ticks.Reader.ReadAllAsync(CancellationToken.None))
            {
                var partial = Interlocked.Exchange(ref previewDue, null);
                var preview = partial is null || !work.RenderPreviews ? null : await RenderPreview(executor, partial);
                yield return new TokenUpdate
                {
                    TokensDone = Volatile.Read(ref tokensDone), CandidatesDone = streams.Count(s => s.IsComplete),
                    PreviewPng = preview, PreviewTokens = preview is null ? 0 : partial!.Length,
                    PreviewSnapshot = work.RenderPreviews ? null : partial,
                };
            }
        }

        var failure = streams.Select(s => s.Failure).FirstOrDefault(f => f is not null);
        if (failure is PipelineBrokenException broken) throw new PipelineBrokenException(broken.Message);
        if (failure is not null) throw new InvalidOperationException($"device {executor.Device} failed while drawing tokens: {failure.Message}");
        if (streams.Any(s => !s.IsComplete)) throw new OperationCanceledException("the token work was cancelled.");
        yield return new TokenUpdate
        {
            TokensDone = tokensDone, CandidatesDone = streams.Length,
            Tokens = streams.ToDictionary(s => (int)s.Tag!, s => s.ImageTokens),
        };
    }

    /// <summary>A pipeline route must start at this device and cover the model's layers in order, each shard on a distinct device.</summary>
    ShardRoute[] CheckRoute(ShardRoute[] route, int layers)
    {
        if (route[0].DeviceKey != this.GetPrimaryKeyString())
            throw new ArgumentException($"route must start at the device called ({this.GetPrimaryKeyString()}), not {route[0].DeviceKey}.");
        int next = 0;
        foreach (var shard in route)
        {
            DevicePlacementDirector.ParseKey(shard.DeviceKey);
            if (shard.FirstLayer != next || shard.LayerCount < 1)
                throw new ArgumentException($"route shard {shard} does not continue at layer {next}; shards must cover the layers in order.");
            next += shard.LayerCount;
        }
        if (next != layers) throw new ArgumentException($"route covers {next} of the model's {layers} layers.");
        if (route.Select(r => r.DeviceKey).Distinct().Count() != route.Length) throw new ArgumentException("route names a device twice.");
        return route;
    }

    public async Task<byte[]> RenderPreview(int[] tokensSoFar)
    {
        var executor = Executor;
        await executor.Ready;
        return await executor.Finisher.Run(m => PartialPreview.Render(m, tokensSoFar));
    }

    /// <summary>
    /// Renders a preview on the device's finish worker, off the token loop. Best effort: a preview that cannot be rendered
    /// (the device is stopping) is skipped, never a reason to fail the candidates.
    /// </summary>
    static async Task<byte[]?> RenderPreview(DeviceExecutor executor, int[] tokensSoFar)
    {
        try
        {
            return await executor.Finisher.Run(m => PartialPreview.Render(m, tokensSoFar));
        }
        catch (ObjectDisposedException)
        {
            return null;
        }
    }

    public async Task<RankedImages> DecodeAndRank(GenerationRequest request, Dictionary<int, int[]> tokens)
    {
        var executor = Executor;
        using var call = executor.TrackCall();          // a draining silo finishes the decode before it leaves
        var model = await executor.Ready;
        var imageRequest = RequestFingerprint.ToImageRequest(request);
        imageRequest.Validate(model.Config.Transformer.ImageVocabSize);
        if (tokens.Count != request.Candidates || Enumerable.Range(0, request.Candidates).Any(i => !tokens.ContainsKey(i)))
            throw new ArgumentException($"tokens must hold candidates 0..{request.Candidates - 1}; got {tokens.Count} entries.");
        int perImage = model.Config.Transformer.ImageTokens, vocab = model.Config.Transformer.ImageVocabSize;
        if (tokens.Values.Any(t => t.Length != perImage || t.Any(v => v < 0 || v >= vocab)))
            throw new ArgumentException($"each candidate needs {perImage} image tokens in 0..{vocab - 1}.");
        var grids = Enumerable.Range(0, request.Candidates).Select(i => tokens[i]).ToArray();
        // Decode and rerank batched with other requests on the device's finish worker; PNG encoding on the thread pool.
        var finished = await executor.Finisher.Finish(new FinishJob(imageRequest, grids));
        long encoding = System.Diagnostics.Stopwatch.GetTimestamp();
        var pngs = await Task.WhenAll(finished.Images.Select(k => Task.Run(() => PngCodec.EncodeRgb(k.Rgb, k.Width, k.Height))));
        double encodeMs = System.Diagnostics.Stopwatch.GetElapsedTime(encoding).TotalMilliseconds;
        return new RankedImages(
            finished.Images.Select((k, i) => new GeneratedImage(k.Rank, k.Candidate, k.Score, pngs[i])).ToArray(),
            finished.DecodeMs, finished.RerankMs, encodeMs);
    }
}
