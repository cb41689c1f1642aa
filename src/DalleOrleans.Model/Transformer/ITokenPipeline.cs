using static TorchSharp.torch;

namespace DalleOrleans.Model.Transformer;

/// <summary>
/// What the batching loop needs from a transformer: prefill new rows, one decode step for every row, and moving a
/// row's keys and values. <see cref="TransformerPipeline"/> runs it in this process; the service also runs it as a
/// chain of shard grains on other devices and silos.
/// </summary>
public interface ITokenPipeline : IDisposable
{
    TransformerConfig Config { get; }
    /// <summary>KV-cache rows: the most streams (guided ones take two) one step can hold.</summary>
    int Rows { get; }
    /// <summary>Where the token and text ids the loop builds must be, and where the logits come back.</summary>
    Device InputDevice { get; }
    /// <summary>Bytes of KV cache this pipeline holds (0 when it lives elsewhere).</summary>
    long CacheBytes { get; }
    /// <summary>Runs the text of new rows (b, L) into their cache <paramref name="slots"/>; logits of image token 0, (b, K).</summary>
    Tensor Prefill(Tensor textTokens, Tensor slots);
    /// <summary>One decode step for rows 0..B−1, each at its own position; logits of each row's next image token, (B, K).</summary>
    Tensor DecodeStep(Tensor imageTokens, int[] positions);
    /// <summary>Moves one stream's cached keys and values between slots.</summary>
    void CopySlot(int from, int to);
}
