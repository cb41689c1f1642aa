using TorchSharp;
using static TorchSharp.torch;

namespace DalleOrleans.Model.Sampling;

/// <summary>
/// Draws one token per row from logits with per-row temperature, top-k and top-p, using per-row uniforms
/// (inverse-CDF sampling), all as batched tensor ops. Rows never influence each other.
/// </summary>
/// <remarks>
/// Two layers: <see cref="SampleOnDevice"/> and <see cref="GuideRows"/> take every per-row setting as a tensor and
/// return tensors on the logits' device, so a decode loop on a GPU can draw a whole batch without a host
/// synchronisation (no per-stream loop, no copy back); <see cref="Sample"/> builds those tensors from host values and
/// copies the tokens back, for callers that need them on the host. Both give the same tokens.
/// </remarks>
public static class TokenSampler
{
    /// <summary>logits (B, K); one options record and one uniform in [0, 1) per row → (B) tokens.</summary>
    public static long[] Sample(Tensor logits, IReadOnlyList<SamplingOptions> options, IReadOnlyList<double> uniforms)
    {
        long B = logits.shape[0];
        if (options.Count != B || uniforms.Count != B)
            throw new ArgumentException($"logits have {B} rows but {options.Count} options and {uniforms.Count} uniforms were given.");
        using var scope = NewDisposeScope();
        var rows = SamplingRows.From(options, logits.device);
        var u = ToDevice(uniforms.Select(x => (float)x).ToArray(), logits.device);
        return SampleOnDevice(logits, rows, u).cpu().data<long>().ToArray();
    }

    /// <summary>
    /// logits (B, K), per-row settings, uniforms (B) float32 in [0, 1) → (B) int64 tokens on the logits' device.
    /// Nothing here waits for the device: the result can feed the next step's embedding directly.
    /// </summary>
    public static Tensor SampleOnDevice(Tensor logits, SamplingRows rows, Tensor uniforms)
    {
        long B = logits.shape[0], K = logits.shape[1];
        var device = logits.device;
        var topK = rows.TopK.masked_fill(rows.TopK.eq(0), K);        // 0 = off: keep every token
        var (sorted, order) = (logits.to_type(ScalarType.Float32) / rows.Temperature).sort(dim: -1, descending: true); // (B, K)
        var rank = arange(K, dtype: int64, device: device).view(1, K);
        var probs = sorted.softmax(-1);
        var before = probs.cumsum(-1) - probs;                      // probability mass ranked above each token
        var keep = rank.lt(topK).logical_and(before.lt(rows.TopP)); // the top token always survives
        var kept = sorted.masked_fill(keep.logical_not(), float.NegativeInfinity).softmax(-1);
        var cdf = kept.cumsum(-1);                                  // (B, K), last column ≈ 1
        var choice = searchsorted(cdf, uniforms.view(B, 1) * cdf.narrow(1, K - 1, 1)).clamp_max(K - 1); // (B, 1)
        return order.gather(1, choice).view(B);
    }

    /// <summary>Classifier-free guidance: uncond + s · (cond − uncond), per row.</summary>
    public static Tensor Guide(Tensor cond, Tensor uncond, double scale) => uncond + (cond - uncond) * scale;

    /// <summary>
    /// Guidance for a whole step at once: row i of the result is <paramref name="logits"/>[cond[i]] guided by
    /// <paramref name="logits"/>[uncond[i]] with scale[i], or <paramref name="logits"/>[cond[i]] unchanged where the
    /// stream has no guidance (scale exactly 1). Two index_selects instead of a select and a stack per stream.
    /// </summary>
    /// <param name="logits">(R, K): every cache row's logits.</param>
    /// <param name="conditionalRows">(B) int64: each stream's conditional row.</param>
    /// <param name="unconditionalRows">(B) int64: each stream's unconditional row (any valid row when unguided).</param>
    /// <param name="scales">(B) float32: each stream's guidance scale.</param>
    public static Tensor GuideRows(Tensor logits, Tensor conditionalRows, Tensor unconditionalRows, Tensor scales)
    {
        var cond = logits.index_select(0, conditionalRows);                      // (B, K)
        var uncond = logits.index_select(0, unconditionalRows);                  // (B, K)
        var scale = scales.view(-1, 1).to_type(cond.dtype);
        var guided = uncond + (cond - uncond) * scale;                           // the same arithmetic as Guide
        return where(scale.ne(1), guided, cond);                                 // unguided rows stay bit-exact
    }

    /// <summary>
    /// A host array as a tensor on <paramref name="device"/>: built on the CPU and sent without blocking, so the host
    /// does not wait for the device's queue to drain (a plain CUDA tensor from host data would).
    /// </summary>
    public static Tensor ToDevice(float[] values, Device device)
    {
        var host = tensor(values, dtype: ScalarType.Float32);
        return device.type == DeviceType.CPU ? host : host.to(device, non_blocking: true);
    }

    /// <inheritdoc cref="ToDevice(float[], Device)"/>
    public static Tensor ToDevice(long[] values, Device device)
    {
        var host = tensor(values, dtype: ScalarType.Int64);
        return device.type == DeviceType.CPU ? host : host.to(device, non_blocking: true);
    }
}

/// <summary>
/// Per-row sampling settings as (B, 1) tensors on a device: built once when a batch's membership changes, reused by
/// every step until it changes again.
/// </summary>
public sealed record SamplingRows(Tensor Temperature, Tensor TopK, Tensor TopP)
{
    /// <summary>The settings of each row; top-k 0 (off) stays 0 and means "every token".</summary>
    public static SamplingRows From(IReadOnlyList<SamplingOptions> options, Device device)
    {
        int B = options.Count;
        return new SamplingRows(
            TokenSampler.ToDevice(options.Select(o => (float)o.Temperature).ToArray(), device).view(B, 1),
            TokenSampler.ToDevice(options.Select(o => (long)o.TopK).ToArray(), device).view(B, 1),
            TokenSampler.ToDevice(options.Select(o => (float)o.TopP).ToArray(), device).view(B, 1));
    }
}
