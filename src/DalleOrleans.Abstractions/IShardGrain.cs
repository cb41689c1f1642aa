namespace DalleOrleans.Abstractions;

/// <summary>
/// One shard of a pipeline spread over devices: a contiguous range of transformer layers on one device (the first
/// shard also embeds the tokens, the last also applies the final norm and the image head), with the KV-cache rows of
/// those layers for each micro-batch ("lane") of the pipeline that drives it. Placed on its device's silo; its key
/// is "{silo}|{device}|{pipeline}|{first layer}-{layer count}".
/// </summary>
public interface IShardGrain : IGrainWithStringKey
{
    /// <summary>
    /// Runs new rows' text through this shard's layers into KV rows <paramref name="slots"/> of lane
    /// <paramref name="lane"/> (a lane holds <paramref name="rows"/> rows). Input: text ids (b, L) for the first shard,
    /// the previous shard's hidden state (b, L+1, C) otherwise. Output: the hidden state, or logits (b, K) from the last.
    /// </summary>
    Task<TensorPayload> Prefill(int lane, int rows, TensorPayload input, int[] slots);

    /// <summary>
    /// One decode step of rows 0..B−1 of a lane, row b at stream position <paramref name="positions"/>[b]. Input: the
    /// image tokens fed (B) for the first shard, the hidden state (B, 1, C) otherwise. Output: hidden state or logits (B, K).
    /// </summary>
    Task<TensorPayload> Step(int lane, int rows, TensorPayload input, int[] positions);

    /// <summary>Moves a stream's keys and values between two rows of a lane (the batch keeps its rows compact).</summary>
    Task CopySlot(int lane, int from, int to);

    /// <summary>Frees every lane's KV rows; the pipeline that drove this shard is gone.</summary>
    Task Release();
}
