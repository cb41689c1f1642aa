using Orleans.Placement;
using Orleans.Runtime.Placement;

namespace DalleOrleans.Grains.Placement;

/// <summary>
/// Places a DeviceGrain or ShardGrain on the silo its key names: key "{silo}|{device}" (a shard grain's key goes on:
/// "{silo}|{device}|{pipeline}|{layers}"), where {silo} is <see cref="SiloAddress.ToParsableString"/>. A grain that
/// runs tensor work must run where its device (and executor) is.
/// </summary>
[Serializable, GenerateSerializer, Immutable, SuppressReferenceTracking]
public sealed class DevicePlacementStrategy : PlacementStrategy;

[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class DevicePlacementAttribute() : PlacementAttribute(new DevicePlacementStrategy());

public sealed class DevicePlacementDirector : IPlacementDirector
{
    public static string Key(SiloAddress silo, string device) => $"{silo.ToParsableString()}|{device}";

    /// <summary>The silo and the rest of the key (a device grain: the device name). A silo's parsable form holds no '|'.</summary>
    public static (SiloAddress Silo, string Device) ParseKey(string key)
    {
        int bar = key.IndexOf('|');
        if (bar <= 0 || bar == key.Length - 1) throw new ArgumentException($"device grain key '{key}' is not '{{silo}}|{{device}}'.");
        return (SiloAddress.FromParsableString(key[..bar]), key[(bar + 1)..]);
    }

    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var (silo, _) = ParseKey(target.GrainIdentity.Key.ToString()!);
        if (!context.GetCompatibleSilos(target).Contains(silo))
            throw new SiloUnavailableException($"the silo {silo} of device grain '{target.GrainIdentity.Key}' is not in the cluster.");
        return Task.FromResult(silo);
    }
}
