namespace DalleOrleans.Model.Transformer;

/// <summary>A contiguous range of transformer layers [First, First + Count) held by one device.</summary>
public sealed record LayerRange(int First, int Count)
{
    public int End => First + Count;
    public override string ToString() => $"layers {First}..{End - 1}";
}

/// <summary>A pipeline's shards in order, with the bytes each one needs (weights plus its KV cache).</summary>
public sealed record ShardPlan(IReadOnlyList<LayerRange> Shards, IReadOnlyList<long> BytesPerShard)
{
    public int ShardCount => Shards.Count;
}

/// <summary>
/// Splits a transformer into the fewest contiguous layer ranges that fit a device's memory: weights in the
/// serving precision plus the KV cache for the batch rows the device will run. The first shard also holds
/// the embeddings, the last one the final norm and heads. The cluster asks it how many shards a pipeline needs.
/// </summary>
public static class ShardPlanner
{
    /// <param name="deviceBytes">Memory of one device.</param>
    /// <param name="bytesPerValue">Serving precision: 4 for fp32, 2 for fp16/bf16.</param>
    /// <param name="batchRows">KV-cache rows the device keeps (the continuous batch size).</param>
    /// <param name="reserveFraction">Share of memory left for activations, allocator slack and the dVAE/reranker.</param>
    public static ShardPlan Plan(TransformerConfig config, long deviceBytes, int bytesPerValue = 2, int batchRows = 32, double reserveFraction = 0.2)
    {
        config.Validate();
        if (deviceBytes <= 0) throw new ArgumentOutOfRangeException(nameof(deviceBytes), deviceBytes, "device memory must be positive.");
        if (bytesPerValue is not (1 or 2 or 4)) throw new ArgumentOutOfRangeException(nameof(bytesPerValue), bytesPerValue, "bytes per value must be 1, 2 or 4.");
        if (batchRows < 1) throw new ArgumentOutOfRangeException(nameof(batchRows), batchRows, "batch rows must be at least 1.");
        if (reserveFraction is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(reserveFraction), reserveFraction, "the reserve must be in [0, 1).");

        long usable = (long)(deviceBytes * (1 - reserveFraction));
        long layerBytes = LayerParameters(config) * bytesPerValue + KvBytesPerLayer(config, batchRows, bytesPerValue);
        long total = config.ParameterCount();
        long edgeParams = total - config.Layers * LayerParameters(config);
        long embeddingBytes = EmbeddingParameters(config) * bytesPerValue;
        long headBytes = (edgeParams - EmbeddingParameters(config)) * bytesPerValue;

        var shards = new List<LayerRange>();
        var bytes = new List<long>();
        int first = 0;
        while (first < config.Layers)
        {
            long used = first == 0 ? embeddingBytes : 0;
            int count = 0;
            while (first + count < config.Layers)
            {
                bool isLast = first + count + 1 == config.Layers;
                long next = used + layerBytes + (isLast ? headBytes : 0);
                if (next > usable) break;
                used = next;
                count++;
            }
            if (count == 0)
                throw new ArgumentException(
                    $"device memory {deviceBytes / (1 << 20)} MiB (usable {usable / (1 << 20)} MiB) cannot hold even one layer " +
                    $"({layerBytes / (1 << 20)} MiB with its KV cache for {batchRows} rows); use larger devices, fewer rows or lower precision.");
            shards.Add(new LayerRange(first, count));
            bytes.Add(used);
            first += count;
        }
        return new ShardPlan(shards, bytes);
    }

    /// <summary>Parameters in one transformer layer (norms, fused QKV, output projection, MLP).</summary>
    public static long LayerParameters(TransformerConfig c)
    {
        long d = c.ModelDim, hidden = d * c.MlpRatio;
        return 4 * d + 3 * d * d + 3 * d + d * d + d + d * hidden + hidden + hidden * d + d;
    }

    static long EmbeddingParameters(TransformerConfig c) =>
        (long)c.ModelDim * ((c.TextVocabSize + c.TextLength + 1) + (c.TextLength + 1) + c.ImageVocabSize + 2L * c.GridSize);

    /// <summary>Keys and values of one layer for <paramref name="rows"/> streams over the whole sequence.</summary>
    public static long KvBytesPerLayer(TransformerConfig c, int rows, int bytesPerValue) =>
        2L * rows * c.SequenceLength * c.ModelDim * bytesPerValue;
}
