using static TorchSharp.torch;

namespace DalleOrleans.Model.Sampling;

/// <summary>
/// Draws one token per row from logits with per-row temperature, top-k and top-p, using per-row uniforms
/// (inverse-CDF sampling), all as batched tensor ops. Rows never influence each other.
/// </summary>
public static class TokenSampler
{
    /// <summary>logits (B, K); one options record and one uniform in [0, 1) per row → (B) tokens.</summary>
    public static long[] Sample(Tensor logits, IReadOnlyList<SamplingOptions> options, IReadOnlyList<double> uniforms)
    {
        long B = logits.shape[0], K = logits.shape[1];
        var device = logits.device;
        using var scope = NewDisposeScope();
        var temperature = tensor(options.Select(o => (float)o.Temperature).ToArray(), device: device).view(B, 1);
        var topK = tensor(options.Select(o => (long)(o.TopK == 0 ? K : o.TopK)).ToArray(), device: device).view(B, 1);
        var topP = tensor(options.Select(o => (float)o.TopP).ToArray(), device: device).view(B, 1);
        var u = tensor(uniforms.Select(x => (float)x).ToArray(), device: device).view(B, 1);

        var (sorted, order) = (logits.to_type(ScalarType.Float32) / temperature).sort(dim: -1, descending: true); // (B, K)
        var rank = arange(K, dtype: int64, device: device).view(1, K);
        var probs = sorted.softmax(-1);
        var before = probs.cumsum(-1) - probs;                      // probability mass ranked above each token
        var keep = rank.lt(topK).logical_and(before.lt(topP));      // the top token always survives
        var kept = sorted.masked_fill(keep.logical_not(), float.NegativeInfinity).softmax(-1);
        var cdf = kept.cumsum(-1);                                  // (B, K), last column ≈ 1
        var choice = searchsorted(cdf, u * cdf.narrow(1, K - 1, 1)).clamp_max(K - 1); // (B, 1)
        return order.gather(1, choice).view(B).cpu().data<long>().ToArray();
    }

    /// <summary>Classifier-free guidance: uncond + s · (cond − uncond), per row.</summary>
    public static Tensor Guide(Tensor cond, Tensor uncond, double scale) => uncond + (cond - uncond) * scale;
}
