using DalleOrleans.Model;
using DalleOrleans.Model.Transformer;
using TorchSharp;

namespace DalleOrleans.Grains.Shards;

/// <summary>
/// The transformer layers one device holds for its shard grains. A device that holds every layer lends its whole
/// model; a device with a layer capacity (Model:LayersPerDevice or Model:DeviceMemoryGb) loads only a shard's range
/// from the model's checkpoint when the shard grain first runs, shares it between the pipelines that ask for the same
/// range, and frees it when the last of them releases it. So a model bigger than one device is spread, not copied.
/// Touched only on the device's thread.
/// </summary>
public sealed class ShardLayers(int layerCapacity) : IDisposable
{
    readonly Dictionary<LayerRange, (DalleTransformer Part, int Users)> _parts = new();

    /// <summary>The most layers a shard on this device may hold; 0 = every layer (the whole model is loaded).</summary>
    public int LayerCapacity => layerCapacity;

    /// <summary>Layer ranges loaded for shards, with how many shard grains use each (for operators and tests).</summary>
    public IReadOnlyDictionary<LayerRange, int> Loaded => _parts.ToDictionary(kv => kv.Key, kv => kv.Value.Users);

    /// <summary>Bytes of transformer weights held for shards (the whole model's are not counted here).</summary>
    public long Bytes => _parts.Values.Sum(p => p.Part.ParameterBytes);

    /// <summary>The weights for <paramref name="range"/>: the whole model where it is loaded, else the range's own part.</summary>
    public DalleTransformer Acquire(ModelBundle model, LayerRange range)
    {
        if (model.HoldsTransformer) return model.Transformer;
        if (_parts.TryGetValue(range, out var held))
        {
            _parts[range] = (held.Part, held.Users + 1);
            return held.Part;
        }
        if (layerCapacity > 0 && range.Count > layerCapacity)
            throw new ArgumentException($"a shard of {range} needs {range.Count} layers; this device holds at most {layerCapacity} (Model:LayersPerDevice / Model:DeviceMemoryGb).");
        if (model.Folder is null)
            throw new InvalidOperationException($"model {model.ModelId} was not loaded from a folder, so no layer range can be loaded for a shard.");
        var part = DalleTransformer.LoadPart(model.Config.Transformer, range, Path.Combine(model.Folder, ModelBundle.TransformerFile));
        part.to(model.Device).eval();
        _parts[range] = (part, 1);
        return part;
    }

    /// <summary>One shard grain no longer uses <paramref name="range"/>; the last one out frees it.</summary>
    public void Release(ModelBundle model, LayerRange range)
    {
        if (model.HoldsTransformer || !_parts.TryGetValue(range, out var held)) return;
        if (held.Users > 1) { _parts[range] = (held.Part, held.Users - 1); return; }
        _parts.Remove(range);
        held.Part.Dispose();
    }

    public void Dispose()
    {
        foreach (var (part, _) in _parts.Values) part.Dispose();
        _parts.Clear();
    }
}
