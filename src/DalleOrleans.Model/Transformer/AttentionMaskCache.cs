using static TorchSharp.torch;

namespace DalleOrleans.Model.Transformer;

/// <summary>
/// The additive attention masks of one model, built once per (kind, device) and kept for the model's life: every
/// forward pass and decode step narrows or gathers rows from them instead of rebuilding (T, T) tensors. The masks
/// themselves are defined in <see cref="AttentionMasks"/>.
/// </summary>
/// <remarks>Thread-safe: the shards of one model run on several device threads.</remarks>
public sealed class AttentionMaskCache(TransformerConfig config)
{
    readonly Dictionary<(AttentionKind, string), Tensor> _masks = new();
    readonly object _gate = new();

    /// <summary>The additive (T, T) mask for <paramref name="kind"/> on <paramref name="device"/>; owned by the cache (do not dispose).</summary>
    public Tensor Get(AttentionKind kind, Device device)
    {
        var key = (kind, device.ToString());
        lock (_gate)
        {
            if (!_masks.TryGetValue(key, out var mask))
            {
                // Detached from any dispose scope the caller is in: the mask outlives the step that first asked for it.
                mask = AttentionMasks.BuildAdditive(config, kind, device).DetachFromDisposeScope();
                _masks[key] = mask;
            }
            return mask;
        }
    }
}
