using DalleOrleans.Model.Transformer;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace DalleOrleans.Benchmarks;

/// <summary>
/// Where one decode step's time goes: each kind of op the step runs, timed alone with the step's own shapes
/// (random weights), times how often the step runs it. The sum next to the measured step shows how much is
/// left for what isolated ops do not see (dispatch between ops, dispose-scope bookkeeping, cache misses).
/// </summary>
public static class StepProfile
{
    /// <param name="InStep">False for an alternative shown for comparison only (not part of the step, not summed).</param>
    public sealed record Part(string Name, int PerStep, double UsEach, double FlopsEach, bool InStep = true)
    {
        public double MsPerStep => PerStep * UsEach / 1000;
    }

    public static IReadOnlyList<Part> Measure(TransformerConfig c, int rows, long keyLength)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        int B = rows, d = c.ModelDim, H = c.Heads, Dh = c.HeadDim, hidden = d * c.MlpRatio, T = c.SequenceLength, Lyr = c.Layers;
        var x = randn(B, 1, d);
        var wide = randn(B, 1, hidden);
        var wQkv = randn(3 * d, d); var bQkv = randn(3 * d);
        var wProj = randn(d, d); var bProj = randn(d);
        var wFc = randn(hidden, d); var bFc = randn(hidden);
        var wOut = randn(d, hidden); var bOut = randn(d);
        var wHead = randn(c.ImageVocabSize, d); var bHead = randn(c.ImageVocabSize);
        var lnW = ones(d); var lnB = zeros(d);
        var keys = randn(B, H, T, Dh); var values = randn(B, H, T, Dh);
        var q = randn(B, H, 1, Dh); var k = randn(B, H, 1, Dh);
        var write = full(new long[] { B, H, 1, Dh }, keyLength - 1, dtype: int64);
        var mask = zeros(B, 1, 1, keyLength);
        var y = randn(B, H, 1, Dh);
        var qkvOut = randn(B, 1, 3 * d);
        double scale = 1.0 / Math.Sqrt(Dh);

        double Us(Action op) => 1000 * Timing.MedianMs(op, warmup: 20, reps: 200);
        // The step's sdpa and a hand-written matmul/softmax/matmul alternative, timed in turn so the comparison sees the same load.
        var attention = Timing.InterleavedMedianMs(20, 200,
            () => q.matmul(keys.narrow(2, 0, keyLength).transpose(2, 3)).mul_(scale).add_(mask).softmax(-1).matmul(values.narrow(2, 0, keyLength)),
            () => functional.scaled_dot_product_attention(q, keys.narrow(2, 0, keyLength), values.narrow(2, 0, keyLength), mask));
        double Mac(long m, long n, long kk) => 2.0 * m * n * kk;
        return new List<Part>
        {
            new("linear QKV (d→3d)", Lyr, Us(() => functional.linear(x, wQkv, bQkv)), Mac(B, d, 3 * d)),
            new("linear attention out (d→d)", Lyr, Us(() => functional.linear(x, wProj, bProj)), Mac(B, d, d)),
            new("linear MLP fc (d→4d)", Lyr, Us(() => functional.linear(x, wFc, bFc)), Mac(B, d, hidden)),
            new("linear MLP out (4d→d)", Lyr, Us(() => functional.linear(wide, wOut, bOut)), Mac(B, hidden, d)),
            new("scaled_dot_product_attention over cache view", Lyr, 1000 * attention[1], 2.0 * B * 2 * keyLength * d),
            new("(not in step) the same attention as matmul, softmax, matmul: tried, not faster", Lyr, 1000 * attention[0],
                2.0 * B * 2 * keyLength * d, InStep: false),
            new("scatter_ k,v into cache", 2 * Lyr, Us(() => keys.scatter_(2, write, k)), 0),
            new("split q,k,v (view, permute, select)", Lyr, Us(() => { var p = qkvOut.view(B, 1, 3, H, Dh).permute(2, 0, 3, 1, 4); _ = p[0]; _ = p[1]; _ = p[2]; }), 0),
            new("merge heads (transpose, reshape)", Lyr, Us(() => y.transpose(1, 2).reshape(B, 1, d)), 0),
            new("layer norm", 2 * Lyr + 1, Us(() => functional.layer_norm(x, new long[] { d }, lnW, lnB)), 0),
            new("gelu", Lyr, Us(() => functional.gelu(wide)), 0),
            new("residual add", 2 * Lyr, Us(() => x.add(x)), 0),
            new("image head (d→K)", 1, Us(() => functional.linear(x.squeeze(1), wHead, bHead)), Mac(B, d, c.ImageVocabSize)),
        };
    }
}
