using System.Diagnostics;
using DalleOrleans.Model.Imaging;
using DalleOrleans.Model.Sampling;
using DalleOrleans.Model.Transformer;
using static TorchSharp.torch;

namespace DalleOrleans.Model.Generation;

/// <summary>
/// The in-process pipeline: prompt → N candidate token streams (continuous batching) → dVAE decode →
/// rerank → top K PNGs. The grains run the same stages spread over devices; benchmarks compare against this.
/// </summary>
/// <remarks>Not thread-safe: call it from one thread (it owns a batcher whose tensors live on that thread).</remarks>
public sealed class Generator : IDisposable
{
    readonly ModelBundle _model;
    readonly ContinuousBatcher _batcher;

    public Generator(ModelBundle model, int maxBatchRows = 32)
    {
        _model = model;
        _batcher = new ContinuousBatcher(new TransformerPipeline(model.Transformer, maxBatchRows, model.Device));
    }

    public ModelBundle Model => _model;

    /// <summary>Candidate streams for a request, one per candidate, keyed by (seed, candidate index).</summary>
    public static CandidateStream[] CreateStreams(ModelBundle model, ImageRequest request,
        Action<CandidateStream>? onToken = null, Action<CandidateStream>? onFinished = null) =>
        CreateStreams(model, request, Enumerable.Range(0, request.Candidates).ToArray(), onToken, onFinished);

    /// <summary>Streams for some of a request's candidates (a device draws its share); the tag is the candidate index.</summary>
    public static CandidateStream[] CreateStreams(ModelBundle model, ImageRequest request, int[] candidateIndices,
        Action<CandidateStream>? onToken = null, Action<CandidateStream>? onFinished = null)
    {
        request.Validate(model.Config.Transformer.ImageVocabSize);
        foreach (int i in candidateIndices)
            if (i < 0 || i >= request.Candidates)
                throw new ArgumentException($"candidate index {i} is outside 0..{request.Candidates - 1}.", nameof(candidateIndices));
        long[] text = model.Tokenizer.EncodePadded(request.Prompt);
        return candidateIndices
            .Select(i => new CandidateStream(text, request.Options, CandidateRandom.StreamKey(request.Seed, i),
                model.Config.Transformer.ImageTokens, tag: i) { OnToken = onToken, OnFinished = onFinished })
            .ToArray();
    }

    public ImageResult Generate(ImageRequest request, Action<TokenProgress>? progress = null, CancellationToken cancellation = default)
    {
        int perImage = _model.Config.Transformer.ImageTokens;
        int tokensDone = 0, candidatesDone = 0;
        var streams = CreateStreams(_model, request,
            onToken: _ => tokensDone++,
            onFinished: s => { if (s.IsComplete) candidatesDone++; });

        var clock = Stopwatch.StartNew();
        int next = 0;
        try
        {
            while (candidatesDone < streams.Length)
            {
                cancellation.ThrowIfCancellationRequested();
                while (next < streams.Length && _batcher.TryAdd(streams[next])) next++;
                _batcher.Step();
                progress?.Invoke(new TokenProgress(tokensDone, perImage * streams.Length, candidatesDone, streams.Length));
            }
        }
        catch
        {
            foreach (var s in streams) s.Cancel();
            while (!_batcher.IsIdle) _batcher.Step();           // drops the cancelled streams, frees their rows
            throw;
        }
        double tokensMs = clock.Elapsed.TotalMilliseconds;
        return Finish(request, streams.Select(s => s.ImageTokens).ToArray(), tokensMs);
    }

    /// <summary>Decode, rerank, keep the top K and encode them: the stages after the tokens.</summary>
    public ImageResult Finish(ImageRequest request, int[][] imageTokens, double tokensMs) =>
        Finish(_model, request, imageTokens, tokensMs);

    public static ImageResult Finish(ModelBundle model, ImageRequest request, int[][] imageTokens, double tokensMs)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var clock = Stopwatch.StartNew();
        var images = DecodeImages(model, imageTokens);                                  // (N, 3, H, W)
        double decodeMs = clock.Elapsed.TotalMilliseconds;

        clock.Restart();
        var text = tensor(model.Tokenizer.EncodePadded(request.Prompt), device: model.Device).view(1, -1);
        float[] scores = ScoreImages(model, text, images);
        var order = Enumerable.Range(0, scores.Length).OrderByDescending(i => scores[i]).ThenBy(i => i).Take(request.Top).ToArray();
        double rerankMs = clock.Elapsed.TotalMilliseconds;

        clock.Restart();
        var kept = order.Select((candidate, rank) => new RankedImage(rank + 1, candidate, scores[candidate], PngCodec.Encode(images[candidate]))).ToList();
        double encodeMs = clock.Elapsed.TotalMilliseconds;
        return new ImageResult(request.Prompt, model.ModelId, kept, new StageTimings(tokensMs, decodeMs, rerankMs, encodeMs));
    }

    /// <summary>
    /// Images per dVAE decode or reranker call. Why chunk: from batch 16 up libtorch's CPU convolution asks NNPACK
    /// first, which on CPUs it does not support prints a warning per convolution (hundreds of stderr lines per request)
    /// and runs a path measured 2.8× slower per image at batch 32 than in calls of 8 (tests/DalleOrleans.Benchmarks,
    /// decode-rerank).
    /// </summary>
    public const int ImageChunk = 8;

    /// <summary>The reranker's score of every image (N, 3, H, W) against the caption, in calls of <see cref="ImageChunk"/> images.</summary>
    public static float[] ScoreImages(ModelBundle model, Tensor text, Tensor images) =>
        images.split(ImageChunk).SelectMany(chunk => model.Reranker.Score(text, chunk).cpu().data<float>().ToArray()).ToArray();

    /// <summary>Image token grids → images (N, 3, H, W) in [0, 1].</summary>
    public static Tensor DecodeImages(ModelBundle model, int[][] imageTokens)
    {
        int g = model.Config.Dvae.GridSize;
        var flat = imageTokens.SelectMany(t => t).Select(t => (long)t).ToArray();
        var grid = tensor(flat, new long[] { imageTokens.Length, g, g }, device: model.Device);
        if (imageTokens.Length <= ImageChunk) return model.Dvae.Decode(grid);
        return cat(grid.split(ImageChunk).Select(model.Dvae.Decode).ToArray(), 0);
    }

    public void Dispose() => _batcher.Dispose();
}
