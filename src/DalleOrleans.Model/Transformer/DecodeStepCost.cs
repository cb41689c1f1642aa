namespace DalleOrleans.Model.Transformer;

/// <summary>
/// Arithmetic of one KV-cached decode step, counted from the config alone: what a roofline divides by time.
/// </summary>
/// <remarks>
/// Per row and per layer the step multiplies one token's activations by the fused QKV weights (d × 3d), the
/// attention output weights (d × d) and the MLP (d × rd, then rd × d); attention scores the query against
/// Tk cached keys and sums Tk cached values, H heads of Dh = d / H each, so 2·Tk·d multiply-adds. Tk is the
/// key length the step reads (every position up to the newest, masked additively: the sparse masks do not
/// skip work). Then the image head (d × K). Layer norms, GELU, softmax, biases and embedding look-ups are
/// O(d) per row and left out: they cost time, not arithmetic, which is what the roofline is meant to show.
/// </remarks>
public static class DecodeStepCost
{
    /// <summary>Multiply-adds of one decode step for one row whose attention reads <paramref name="keyLength"/> cached positions.</summary>
    public static long MultiplyAdds(TransformerConfig config, long keyLength)
    {
        if (keyLength < 1 || keyLength > config.SequenceLength)
            throw new ArgumentOutOfRangeException(nameof(keyLength), keyLength, $"key length must be in 1..{config.SequenceLength}.");
        long d = config.ModelDim, hidden = d * config.MlpRatio;
        long projections = d * 3 * d + d * d;        // fused QKV, attention output
        long mlp = d * hidden + hidden * d;          // fc, fcOut
        long attention = 2 * keyLength * d;          // q·kᵀ and the weighted sum of values, all heads
        long head = d * config.ImageVocabSize;       // image logits
        return config.Layers * (projections + mlp + attention) + head;
    }

    /// <summary>FLOPs (2 per multiply-add) of one decode step for <paramref name="rows"/> rows.</summary>
    public static double Flops(TransformerConfig config, long keyLength, int rows) =>
        2.0 * rows * MultiplyAdds(config, keyLength);
}
