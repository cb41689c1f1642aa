using DalleOrleans.Grains.Placement;

namespace DalleOrleans.Grains.Shards;

/// <summary>
/// A shard grain's key: "{device key}|{pipeline}|{first}-{count}". The device key places it on its device's silo
/// (<see cref="DevicePlacementDirector"/>); the pipeline id (one per driver) keeps the KV rows of different drivers
/// apart; the layer range says what it computes.
/// </summary>
public sealed record ShardKey(string DeviceKey, string Pipeline, int FirstLayer, int LayerCount)
{
    public int EndLayer => FirstLayer + LayerCount;

    public override string ToString() => $"{DeviceKey}|{Pipeline}|{FirstLayer}-{LayerCount}";

    public static ShardKey Parse(string key)
    {
        var parts = key.Split('|');
        if (parts.Length != 4) throw new ArgumentException($"shard grain key '{key}' is not '{{silo}}|{{device}}|{{pipeline}}|{{first}}-{{count}}'.");
        var range = parts[3].Split('-');
        if (range.Length != 2 || !int.TryParse(range[0], out int first) || !int.TryParse(range[1], out int count) || first < 0 || count < 1)
            throw new ArgumentException($"shard grain key '{key}' has no valid layer range '{{first}}-{{count}}'.");
        string deviceKey = $"{parts[0]}|{parts[1]}";
        DevicePlacementDirector.ParseKey(deviceKey);
        return new ShardKey(deviceKey, parts[2], first, count);
    }
}
