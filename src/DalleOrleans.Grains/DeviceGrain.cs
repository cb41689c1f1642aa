using System.Runtime.CompilerServices;
using System.Threading.Channels;
using DalleOrleans.Abstractions;
using DalleOrleans.Grains.Devices;
using DalleOrleans.Grains.Placement;
using DalleOrleans.Model.Generation;
using DalleOrleans.Model.Sampling;
using Orleans.Concurrency;

namespace DalleOrleans.Grains;

/// <summary>Raised when a device's admission queue is full: the caller should retry later or elsewhere.</summary>
[GenerateSerializer, Alias("DalleOrleans.DeviceOverloadedException")]
public sealed class DeviceOverloadedException(string message) : Exception(message);

/// <summary>
/// The per-device model grain. It runs on its device's silo (<see cref="DevicePlacementAttribute"/>) and is a thin,
/// reentrant front for the device's executor thread: it validates, hands work over and relays progress.
/// </summary>
[DevicePlacement, Reentrant]
public sealed class DeviceGrain(DeviceHost host, ILocalSiloDetails silo) : Grain, IDeviceGrain
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
            ImageTokens = model.Config.Transformer.ImageTokens, ImageVocabSize = model.Config.Transformer.ImageVocabSize, Shards = host.Settings.ShardsPerPipeline,
                        TextTokens = model.Config.Transformer.TextLength,
            Draining = executor.Draining,
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
        if (!executor.TryEnqueue(streams))
            // Either way the generation grain moves this share to another device.
            throw new DeviceOverloadedException(executor.Draining
                ? $"device {executor.Device} is draining (its silo is stopping); retry on another device."
                : $"device {executor.Device} is overloaded ({executor.QueuedStreams} streams waiting, limit {host.Settings.MaxQueuedStreams}); retry later.");

        using (cancellation.Register(() => { foreach (var s in streams) s.Cancel(); }))
        {
            // "Accepted": callers learn at once that the work is queued here rather than refused.
            yield return new TokenUpdate { TokensDone = 0, CandidatesDone = 0 };
            await foreach (var _ in ticks.Reader.ReadAllAsync(CancellationToken.None))
            {
                var partial = Interlocked.Exchange(ref previewDue, null);
                var preview = partial is null ? null : await RenderPreview(executor, partial);
                yield return new TokenUpdate
                {
                    TokensDone = Volatile.Read(ref tokensDone), CandidatesDone = streams.Count(s => s.IsComplete),
                    PreviewPng = preview, PreviewTokens = preview is null ? 0 : partial!.Length,
                };
            }
        }

        var failure = streams.Select(s => s.Failure).FirstOrDefault(f => f is not null);
        if (failure is not null) throw new InvalidOperationException($"device {executor.Device} failed while drawing tokens: {failure.Message}");
        if (streams.Any(s => !s.IsComplete)) throw new OperationCanceledException("the token work was cancelled.");
        yield return new TokenUpdate
        {
            TokensDone = tokensDone, CandidatesDone = streams.Length,
            Tokens = streams.ToDictionary(s => (int)s.Tag!, s => s.ImageTokens),
        };
    }

    /// <summary>
    /// Renders a preview on the device thread, between decode steps. Best effort: a preview that cannot be rendered
    /// (the device is stopping) is skipped, never a reason to fail the candidates.
    /// </summary>
    static async Task<byte[]?> RenderPreview(DeviceExecutor executor, int[] tokensSoFar)
    {
        try
        {
            return await executor.Run(m => PartialPreview.Render(m, tokensSoFar));
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
        var result = await executor.Run(m => Generator.Finish(m, imageRequest, grids, 0));
        return new RankedImages(
            result.Images.Select(i => new GeneratedImage(i.Rank, i.Candidate, i.Score, i.Png)).ToArray(),
            result.Timings.DecodeMs, result.Timings.RerankMs, result.Timings.EncodeMs);
    }
}
