using DalleOrleans.Abstractions;

namespace DalleOrleans.Grains.Placement;

/// <summary>
/// A transformer pipeline as placement sees it: a device holding every layer (one shard, no hop), or a chain of
/// devices each holding a contiguous layer range (shard grains on their devices' silos).
/// </summary>
/// <param name="Key">The head device's key for one shard; the shards' keys joined by '+' otherwise.</param>
/// <param name="Head">The device whose grain is called: it runs the batching loop (and shard 0 of a chain).</param>
/// <param name="Route">Shards in layer order; empty for a one-shard pipeline.</param>
public sealed record PipelineInfo(string Key, DeviceInfo Head, IReadOnlyList<ShardRoute> Route, IReadOnlyList<DeviceInfo> Devices)
{
    public int MaxBatchRows => Devices.Min(d => d.MaxBatchRows);
    public int ShardCount => Math.Max(1, Route.Count);
}

/// <summary>
/// Chains devices into pipelines. Every silo composes from the same directory listing with the same rule, so a
/// listing names the same pipelines everywhere: devices holding every layer stand alone; the others, in key order,
/// are chained until their capacities cover the layers, and the layers are split as evenly as their capacities allow
/// (the pipeline moves at its slowest shard's pace). Devices left over that cannot complete a chain serve nothing.
/// </summary>
public static class PipelineComposer
{
    public static IReadOnlyList<PipelineInfo> Compose(IReadOnlyList<DeviceInfo> devices)
    {
        var pipelines = devices.Where(d => d.HoldsEveryLayer)
            .Select(d => new PipelineInfo(d.Key, d, Array.Empty<ShardRoute>(), new[] { d })).ToList();
        var chain = new List<DeviceInfo>();
        foreach (var device in devices.Where(d => !d.HoldsEveryLayer).OrderBy(d => d.Key, StringComparer.Ordinal))
        {
            chain.Add(device);
            if (chain.Sum(d => d.LayerCapacity) < device.Layers) continue;
            var route = Split(chain, device.Layers);
            pipelines.Add(new PipelineInfo(string.Join("+", route.Select(r => r.DeviceKey)), chain[0], route, chain.ToArray()));
            chain.Clear();
        }
        return pipelines;
    }

    /// <summary>Even shares of <paramref name="layers"/>, each capped at its device's capacity, the excess moved to later shards.</summary>
    public static ShardRoute[] Split(IReadOnlyList<DeviceInfo> chain, int layers)
    {
        var counts = new int[chain.Count];
        int left = layers;
        for (int i = 0; i < chain.Count; i++)
        {
            int even = (int)Math.Ceiling(left / (double)(chain.Count - i));
            // Later devices must still be able to take what is left after this one.
            int laterCapacity = chain.Skip(i + 1).Sum(d => d.LayerCapacity);
            counts[i] = Math.Min(chain[i].LayerCapacity, Math.Max(even, left - laterCapacity));
            left -= counts[i];
        }
        if (left != 0 || counts.Any(c => c < 1))
            throw new InvalidOperationException($"cannot split {layers} layers over capacities {string.Join(", ", chain.Select(d => d.LayerCapacity))}.");
        var route = new ShardRoute[chain.Count];
        int first = 0;
        for (int i = 0; i < chain.Count; i++) { route[i] = new ShardRoute(chain[i].Key, first, counts[i]); first += counts[i]; }
        return route;
    }
}
