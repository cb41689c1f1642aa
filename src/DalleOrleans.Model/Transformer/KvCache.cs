using static TorchSharp.torch;

namespace DalleOrleans.Model.Transformer;

/// <summary>
/// Preallocated keys and values for a range of layers: per layer one (Slots, Heads, T, HeadDim) tensor for
/// keys and one for values. A candidate stream owns one slot (two with guidance) while it decodes.
/// </summary>
/// <remarks>
/// As in min-dalle, the cache is plain state passed into stateless layers, not hidden inside them. The
/// decode step writes each row's new key/value in place at that row's own position, so rows at different
/// positions share one step (continuous batching). Active rows are kept at slots 0..B−1 (the batcher moves
/// the last row into a freed slot with <see cref="CopySlot"/>), so a step works on narrow views, never copies.
/// </remarks>
public sealed class KvCache : IDisposable
{
    readonly Tensor[] _keys, _values;

    public int FirstLayer { get; }
    public int LayerCount => _keys.Length;
    public int Slots { get; }
    public int Length { get; }

    public KvCache(TransformerConfig config, int slots, Device device, ScalarType dtype = ScalarType.Float32,
        int firstLayer = 0, int? layerCount = null)
    {
        if (slots < 1) throw new ArgumentOutOfRangeException(nameof(slots), slots, "a KV cache needs at least one slot.");
        int layers = layerCount ?? config.Layers - firstLayer;
        if (firstLayer < 0 || layers < 1 || firstLayer + layers > config.Layers)
            throw new ArgumentOutOfRangeException(nameof(layerCount), $"layers {firstLayer}..{firstLayer + layers - 1} are outside 0..{config.Layers - 1}.");
        FirstLayer = firstLayer;
        Slots = slots;
        Length = config.SequenceLength;
        _keys = new Tensor[layers];
        _values = new Tensor[layers];
        for (int i = 0; i < layers; i++)
        {
            _keys[i] = zeros(new long[] { slots, config.Heads, Length, config.HeadDim }, dtype: dtype, device: device).DetachFromDisposeScope();
            _values[i] = zeros(new long[] { slots, config.Heads, Length, config.HeadDim }, dtype: dtype, device: device).DetachFromDisposeScope();
        }
    }

    public Tensor Keys(int layer) => _keys[layer - FirstLayer];     // (S, H, T, Dh)
    public Tensor Values(int layer) => _values[layer - FirstLayer]; // (S, H, T, Dh)

    /// <summary>Moves a stream's cached keys and values from one slot to another (compaction after a stream leaves).</summary>
    public void CopySlot(int from, int to)
    {
        if (from == to) return;
        using var _ = no_grad();
        for (int i = 0; i < _keys.Length; i++)
        {
            _keys[i][to].copy_(_keys[i][from]);
            _values[i][to].copy_(_values[i][from]);
        }
    }

    /// <summary>Bytes held by this cache: what one slot costs times the slot count.</summary>
    public long Bytes => _keys.Sum(k => k.NumberOfElements * k.ElementSize) * 2;

    public void Dispose()
    {
        foreach (var t in _keys) t.Dispose();
        foreach (var t in _values) t.Dispose();
    }
}
