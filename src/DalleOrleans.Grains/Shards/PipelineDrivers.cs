using DalleOrleans.Abstractions;
using DalleOrleans.Grains.Devices;
using DalleOrleans.Model.Transformer;
using Microsoft.Extensions.Logging;

namespace DalleOrleans.Grains.Shards;

/// <summary>
/// The pipelines of shards this silo drives (those whose first shard is one of its devices), one driver per route. A
/// broken driver is replaced on next use, with new shard activations (fresh KV rows) on whatever silos are then alive.
/// </summary>
public sealed class PipelineDrivers(IGrainFactory grains, DeviceSettings settings, ILoggerFactory logs) : IDisposable
{
    readonly object _gate = new();
    readonly Dictionary<string, PipelineDriver> _drivers = new();

    public PipelineDriver For(IReadOnlyList<ShardRoute> route, TransformerConfig config)
    {
        string key = string.Join("+", route.Select(r => r.ToString()));
        PipelineDriver? retired = null;
        PipelineDriver driver;
        lock (_gate)
        {
            if (_drivers.TryGetValue(key, out var existing) && !existing.IsBroken) return existing;
            retired = existing;
            _drivers[key] = driver = new PipelineDriver(grains, route, config, settings, logs.CreateLogger<PipelineDriver>());
        }
        retired?.Dispose();
        return driver;
    }

    /// <summary>Streams queued or running on the pipelines that <paramref name="deviceKey"/> heads (its registered load).</summary>
    public (int Active, int Queued) LoadHeadedBy(string deviceKey)
    {
        lock (_gate)
        {
            var headed = _drivers.Values.Where(d => !d.IsBroken && d.HeadDeviceKey == deviceKey).ToList();
            return (headed.Sum(d => d.ActiveStreams), headed.Sum(d => d.QueuedStreams));
        }
    }

    public IReadOnlyList<PipelineDriver> All
    {
        get { lock (_gate) return _drivers.Values.ToList(); }
    }

    public void Dispose()
    {
        foreach (var d in All) d.Dispose();
    }
}
