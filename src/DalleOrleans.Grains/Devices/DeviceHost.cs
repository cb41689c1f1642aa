using DalleOrleans.Model;
using DalleOrleans.Model.Transformer;
using Microsoft.Extensions.Logging;

namespace DalleOrleans.Grains.Devices;

/// <summary>
/// The devices of this silo: one <see cref="DeviceExecutor"/> per configured device, each loading the model
/// onto its device on its own thread. DeviceGrains activated on this silo find their executor here.
/// </summary>
public sealed class DeviceHost : IDisposable
{
    readonly Dictionary<string, DeviceExecutor> _executors;

    public DeviceHost(DeviceSettings settings, ILoggerFactory logs)
    {
        settings.Validate();
        Settings = settings;
        int capacity = LayerCapacity(settings, ReadConfig(settings.Path));
        // A device holding only some layers never loads the whole transformer: its shard grains load their ranges.
        Func<TorchSharp.torch.Device, ModelBundle> load = device => ModelBundle.Load(settings.Path, device, withTransformer: capacity == 0);
        _executors = settings.EffectiveDevices.ToDictionary(d => d.Trim().ToLowerInvariant(),
            d => new DeviceExecutor(d.Trim().ToLowerInvariant(), load, settings, logs.CreateLogger<DeviceExecutor>(), capacity));
        DalleMetrics.ObserveDevices(() => (_executors.Values.Sum(e => e.QueuedStreams), _executors.Values.Sum(e => e.ActiveStreams)));
    }

    /// <summary>
    /// The model's transformer config, or null when it cannot be read or is invalid: the executors' load then fails with
    /// the same error, reported as every load error is (the devices' Ready, the registration log, readiness).
    /// </summary>
    static TransformerConfig? ReadConfig(string folder)
    {
        try { return ModelConfig.Load(System.IO.Path.Combine(folder, ModelBundle.ConfigFile)).Transformer; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or InvalidDataException) { return null; }
    }

    public DeviceSettings Settings { get; }
    public IEnumerable<DeviceExecutor> Executors => _executors.Values;

    public DeviceExecutor Get(string device) =>
        _executors.TryGetValue(device, out var executor)
            ? executor
            : throw new ArgumentException($"device '{device}' is not hosted by this silo (it hosts: {string.Join(", ", _executors.Keys)}).");

    /// <summary>The executor of <paramref name="deviceKey"/> when that device is on <paramref name="localSilo"/> (this silo).</summary>
    public bool TryGetLocal(SiloAddress localSilo, string deviceKey, out DeviceExecutor executor)
    {
        executor = null!;
        var (siloAddress, device) = Placement.DevicePlacementDirector.ParseKey(deviceKey);
        return siloAddress.Equals(localSilo) && _executors.TryGetValue(device, out executor!);
    }

    /// <summary>
    /// The most layers one of this silo's devices holds of a model: Model:LayersPerDevice, or the layers that fit
    /// Model:DeviceMemoryGb GiB (<see cref="ShardPlanner"/>, weights in float32 as served); 0 when a device holds every
    /// layer (or the config is unknown).
    /// </summary>
    static int LayerCapacity(DeviceSettings settings, TransformerConfig? config)
    {
        if (config is null) return 0;
        int capacity = settings.LayersPerDevice;
        if (settings.DeviceMemoryGb > 0)
        {
            var plan = ShardPlanner.Plan(config, (long)(settings.DeviceMemoryGb * (1L << 30)), bytesPerValue: sizeof(float), batchRows: settings.MaxBatchRows);
            int fits = SafeLayersPerDevice(plan, config.Layers);
            capacity = capacity > 0 ? Math.Min(capacity, fits) : fits;
        }
        return capacity <= 0 || capacity >= config.Layers ? 0 : capacity;
    }

    /// <summary>
    /// The layers any device of a plan can hold wherever it lands in a chain: the fewest of the full shards (the first
    /// pays for the embeddings, the one before the end for the heads); the last shard is only the remainder.
    /// </summary>
    public static int SafeLayersPerDevice(ShardPlan plan, int layers) =>
        plan.ShardCount == 1 ? layers : plan.Shards.Take(plan.ShardCount - 1).Min(s => s.Count);

    /// <summary>Waits until every device has its model (throws the first loading error).</summary>
    public Task WhenReady() => Task.WhenAll(_executors.Values.Select(e => e.Ready));

    public void Dispose()
    {
        foreach (var e in _executors.Values) e.Dispose();
    }
}
