using DalleOrleans.Model;
using DalleOrleans.Model.Sampling;
using DalleOrleans.Model.Transformer;
using static TorchSharp.torch;

namespace DalleOrleans.Benchmarks;

/// <summary>
/// The baseline the KV cache is measured against: every step runs the model's own full forward pass (the
/// training path, <see cref="DalleTransformer.RunLayers"/> without a cache) over [BOS], the text and every image
/// token drawn so far, and samples the next token from the last position, with the same per-stream
/// randomness and sampler as the batcher. Nothing is cached between steps.
/// </summary>
public static class RecomputeDecoder
{
    /// <summary>Decodes every stream to a full image token grid; returns (rows, N) tokens.</summary>
    public static int[][] Decode(DalleTransformer model, IReadOnlyList<CandidateStream> streams)
    {
        var config = model.Config;
        int B = streams.Count, N = config.ImageTokens;
        var options = streams.Select(s => s.Options).ToArray();
        if (options.Any(o => o.UsesGuidance)) throw new ArgumentException("the recompute baseline does not do guidance.");
        var drawn = new long[B, N];
        using var noGrad = no_grad();
        using var outer = NewDisposeScope();
        var text = tensor(streams.SelectMany(s => s.TextTokens).ToArray(), new long[] { B, config.TextLength });
        for (int n = 0; n < N; n++)
        {
            using var scope = NewDisposeScope();
            var h = model.EmbedPrefix(text);                                                  // (B, L+1, C)
            if (n > 0)
            {
                var sofar = tensor(Enumerable.Range(0, B).SelectMany(b => Enumerable.Range(0, n).Select(k => drawn[b, k])).ToArray(), new long[] { B, n });
                h = cat(new[] { h, model.EmbedImagePrefix(sofar) }, 1);                        // (B, L+1+n, C)
            }
            var logits = model.PrefixLogits(model.RunLayers(h, 0, config.Layers));           // (B, K)
            var next = TokenSampler.Sample(logits, options, streams.Select(s => CandidateRandom.Uniform(s.RandomKey, n)).ToArray());
            for (int b = 0; b < B; b++) drawn[b, n] = next[b];
        }
        return Enumerable.Range(0, B).Select(b => Enumerable.Range(0, N).Select(k => (int)drawn[b, k]).ToArray()).ToArray();
    }
}
