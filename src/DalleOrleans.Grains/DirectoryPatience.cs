using DalleOrleans.Abstractions;
using DalleOrleans.Grains.Devices;

namespace DalleOrleans.Grains;

/// <summary>
/// Reading the model directory across a short gap. When the silo that holds the ModelDirectoryGrain stops (a drain, a
/// rolling update), the grain is activated again on another silo with an empty list, which refills within one
/// registration refresh as every silo registers its devices again. A caller that finds the list empty waits that long
/// before it concludes that no device exists, so a directory on the move fails no request.
/// </summary>
public static class DirectoryPatience
{
    /// <summary>Two refresh periods and a margin: every live silo has registered again by then.</summary>
    public static readonly TimeSpan Default = DeviceRegistration.Refresh * 2 + TimeSpan.FromSeconds(1);
    static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(200);

    /// <summary>The live devices; while there are none, asks again until <paramref name="patience"/> has passed.</summary>
    public static async Task<IReadOnlyList<DeviceInfo>> LiveDevicesAsync(this IModelDirectoryGrain directory, TimeSpan? patience = null,
        CancellationToken cancellation = default)
    {
        var deadline = DateTime.UtcNow + (patience ?? Default);
        while (true)
        {
            var devices = await directory.Devices();
            if (devices.Count > 0 || DateTime.UtcNow >= deadline) return devices;
            await Task.Delay(Poll, cancellation);
        }
    }
}
