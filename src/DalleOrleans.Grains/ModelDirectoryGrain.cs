using DalleOrleans.Abstractions;
using DalleOrleans.Grains.Placement;
using Orleans.Concurrency;

namespace DalleOrleans.Grains;

/// <summary>
/// Which devices exist and how loaded they are. Silos register their devices at start-up and refresh them
/// every few seconds (so a directory that moved to another silo refills itself), and deregister when they
/// stop. Devices whose silo is no longer active in cluster membership are dropped at once.
/// </summary>
/// <remarks>Silos read it through their <see cref="Devices.DirectoryView"/>, not once per request.</remarks>
[Reentrant]
public sealed class ModelDirectoryGrain(IClusterMembershipService membership, TimeProvider clock) : Grain, IModelDirectoryGrain
{
    public static readonly TimeSpan Expiry = TimeSpan.FromSeconds(30);
    readonly Dictionary<string, (DeviceInfo Info, DateTimeOffset Seen)> _devices = new();
    ServedModel? _model;

    public Task Register(DeviceInfo device)
    {
        DevicePlacementDirector.ParseKey(device.Key);                      // validates the key
        var conflict = _devices.Values.Select(d => d.Info).FirstOrDefault(d => d.ModelId != device.ModelId && IsLive(d.Key));
        if (conflict is not null)
            throw new ArgumentException($"device {device.Key} serves model '{device.ModelId}', but the cluster serves '{conflict.ModelId}'.");
        _devices[device.Key] = (device, clock.GetUtcNow());
        _model = device.Model;
        return Task.CompletedTask;
    }

    public Task Deregister(string deviceKey)
    {
        _devices.Remove(deviceKey);
        return Task.CompletedTask;
    }

    public Task<ServedModel?> Model() => Task.FromResult(_model);

    public Task<IReadOnlyList<DeviceInfo>> Devices()
    {
        var now = clock.GetUtcNow();
        foreach (var key in _devices.Where(d => !IsLive(d.Key) || now - d.Value.Seen > Expiry).Select(d => d.Key).ToList())
            _devices.Remove(key);
        IReadOnlyList<DeviceInfo> live = _devices.Values.Select(d => d.Info).Where(d => !d.Draining)
            .OrderBy(d => (double)(d.ActiveStreams + d.QueuedStreams) / Math.Max(1, d.MaxBatchRows)).ThenBy(d => d.Key, StringComparer.Ordinal).ToList();
        return Task.FromResult(live);
    }

    bool IsLive(string deviceKey)
    {
        var (silo, _) = DevicePlacementDirector.ParseKey(deviceKey);
        return membership.CurrentSnapshot.GetSiloStatus(silo) == SiloStatus.Active;
    }
}
