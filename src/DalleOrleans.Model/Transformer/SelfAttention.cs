using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace DalleOrleans.Model.Transformer;

/// <summary>Multi-head self-attention with one fused QKV projection; masks come from <see cref="AttentionMasks"/>.</summary>
public sealed class SelfAttention : Module
{
    readonly Linear qkv, proj;
    readonly int _heads, _headDim;

    public SelfAttention(TransformerConfig config) : base(nameof(SelfAttention))
    {
        _heads = config.Heads;
        _headDim = config.HeadDim;
        qkv = Linear(config.ModelDim, 3 * config.ModelDim);
        proj = Linear(config.ModelDim, config.ModelDim);
        RegisterComponents();
    }

    (Tensor q, Tensor k, Tensor v) Split(Tensor x)
    {
        long B = x.shape[0], T = x.shape[1];
        var parts = qkv.forward(x)                                  // (B, T, 3C)
            .view(B, T, 3, _heads, _headDim)
            .permute(2, 0, 3, 1, 4);                                // (3, B, H, T, Dh)
        return (parts[0], parts[1], parts[2]);
    }

    Tensor Merge(Tensor y)                                          // (B, H, T, Dh)
    {
        long B = y.shape[0], T = y.shape[2];
        return proj.forward(y.transpose(1, 2).reshape(B, T, _heads * _headDim)); // (B, T, C)
    }

    /// <summary>
    /// Attention over a whole (prefix of the) sequence, positions 0..T−1. <paramref name="mask"/> is additive (T, T).
    /// When a cache is given, the keys and values are also written to positions 0..T−1 of the given slots.
    /// </summary>
    public Tensor Forward(Tensor x, Tensor mask, KvCache? cache = null, int layer = 0, Tensor? slots = null)
    {
        var (q, k, v) = Split(x);                                   // each (B, H, T, Dh)
        if (cache is not null)
        {
            long T = x.shape[1];
            using var _ = no_grad();
            cache.Keys(layer).narrow(2, 0, T).index_copy_(0, slots!, k);
            cache.Values(layer).narrow(2, 0, T).index_copy_(0, slots!, v);
        }
        var y = functional.scaled_dot_product_attention(q, k, v, AsQueryType(mask, q)); // (B, H, T, Dh)
        return Merge(y);
    }

    /// <summary>
    /// One decode step for rows 0..B−1 of the cache, each at its own position. <paramref name="writeIndex"/> is
    /// (B, H, 1, Dh) holding each row's position; <paramref name="maskRows"/> is additive (B, 1, 1, Tk).
    /// </summary>
    public Tensor Step(Tensor x, KvCache cache, int layer, Tensor writeIndex, Tensor maskRows, long keyLength)
    {
        long B = x.shape[0];
        var (q, k, v) = Split(x);                                   // each (B, H, 1, Dh)
        var keys = cache.Keys(layer).narrow(0, 0, B);               // (B, H, T, Dh) view
        var values = cache.Values(layer).narrow(0, 0, B);
        keys.scatter_(2, writeIndex, k);                            // write in place at each row's position
        values.scatter_(2, writeIndex, v);
        var y = functional.scaled_dot_product_attention(
            q, keys.narrow(2, 0, keyLength), values.narrow(2, 0, keyLength), AsQueryType(maskRows, q)); // (B, H, 1, Dh)
        return Merge(y);
    }

    /// <summary>
    /// The additive mask in the query's dtype: the masks are built in float32, and scaled_dot_product_attention refuses
    /// a float mask of another dtype than bf16/fp16 queries. A no-op for float32 models; for half-precision ones it is one
    /// small (B, 1, 1, Tk) conversion per layer, next to the layer's weight reads.
    /// </summary>
    static Tensor AsQueryType(Tensor mask, Tensor query) =>
        mask.dtype == query.dtype || mask.dtype == ScalarType.Bool ? mask : mask.to_type(query.dtype);
}
