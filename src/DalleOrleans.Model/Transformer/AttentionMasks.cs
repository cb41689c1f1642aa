using TorchSharp;
using static TorchSharp.torch;

namespace DalleOrleans.Model.Transformer;

/// <summary>
/// The one place that defines which input positions a query may attend to.
/// </summary>
/// <remarks>
/// Input stream (see <see cref="TransformerConfig"/>): position 0 is [BOS], positions 1..L hold the text,
/// position L+1+k holds image token k (grid row k / G, column k % G).
/// - Text queries (positions 0..L) are causal over text.
/// - Image queries always see every text position, and image keys at or before them (causal) that the
///   layer's kind allows (q, k: image token indices of query and key, G the grid side):
///   Dense — all;
///   Row (the paper's) — a sliding window over the raster order: q − k ≤ G, i.e. the query's own token and the
///     G before it, which reaches back into the row above as far as the cell above the token being predicted
///     (ruDALL-E's get_row_mask: key k is hidden from queries at k + G + 1 and later);
///   Column (the paper's) — q − k a multiple of G: the same grid column (ruDALL-E's get_col_mask);
///   Conv (the paper's) — the k×k neighbourhood of the query's cell on the grid, |Δrow| ≤ k/2 and |Δcol| ≤ k/2
///     (ruDALL-E's get_conv_mask without its modulo wrap-around, which lets a cell in column 0 see column G−1);
///   AxialRow — same grid row only (DALLE-pytorch's axial row; what shapes-v1 was trained with).
///   Every mask is a subset of the causal mask, so any mix of layer kinds is a valid autoregressive model,
///   and incremental decoding sees exactly the same keys.
/// </remarks>
public static class AttentionMasks
{
    /// <summary>May the query at input position <paramref name="q"/> attend to the key at <paramref name="k"/>?</summary>
    public static bool Allows(TransformerConfig config, AttentionKind kind, int q, int k)
    {
        if (k > q) return false;                        // causal
        int L = config.TextLength;
        if (q <= L || k <= L) return true;              // text queries are causal; image queries see all text
        int G = config.GridSize;
        int qi = q - L - 1, ki = k - L - 1;             // image token indices
        int qr = qi / G, qc = qi % G, kr = ki / G, kc = ki % G;
        int r = config.ConvKernel / 2;
        return kind switch
        {
            AttentionKind.Dense => true,
            AttentionKind.Row => qi - ki <= G,
            AttentionKind.AxialRow => qr == kr,
            AttentionKind.Column => qc == kc,
            AttentionKind.Conv => Math.Abs(qr - kr) <= r && Math.Abs(qc - kc) <= r,
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown attention kind"),
        };
    }

    /// <summary>The full (T, T) boolean mask for one kind: true where attention is allowed.</summary>
    public static bool[,] Build(TransformerConfig config, AttentionKind kind)
    {
        int T = config.SequenceLength;
        var mask = new bool[T, T];
        for (int q = 0; q < T; q++)
            for (int k = 0; k <= q; k++)
                mask[q, k] = Allows(config, kind, q, k);
        return mask;
    }

    /// <summary>
    /// The mask as an additive float tensor (0 where allowed, −∞ where not), shape (T, T), built once per
    /// model and kind. Decoding gathers rows of it by query position; it is never rebuilt per step.
    /// </summary>
    public static Tensor BuildAdditive(TransformerConfig config, AttentionKind kind, Device device)
    {
        var allowed = Build(config, kind);
        int T = config.SequenceLength;
        var values = new float[T * T];
        for (int q = 0; q < T; q++)
            for (int k = 0; k < T; k++)
                values[q * T + k] = allowed[q, k] ? 0f : float.NegativeInfinity;
        return tensor(values, new long[] { T, T }, dtype: ScalarType.Float32, device: device);
    }
}
