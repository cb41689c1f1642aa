using System.Diagnostics;
using DalleOrleans.Abstractions;

namespace DalleOrleans.Grains.Placement;

/// <summary>
/// This silo's copy of the model directory. Every generation on the silo reads it instead of calling the directory
/// grain (one activation for the whole cluster): a listing younger than <see cref="MaxAge"/> is reused, and concurrent
/// readers share one refresh. A caller asks for a fresh listing after a device was lost, so a failure always sees the
/// directory's current view.
/// </summary>
public sealed class DirectoryView(IGrainFactory grains)
{
    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(1);
    readonly object _gate = new();
    Task<IReadOnlyList<DeviceInfo>>? _refresh;
    IReadOnlyList<DeviceInfo> _devices = Array.Empty<DeviceInfo>();
    long _listedAt;

    /// <summary>Directory calls made by this silo (operators and tests: requests must not each cost one).</summary>
    public long Refreshes => Interlocked.Read(ref _refreshes);
    long _refreshes;

    /// <summary>The live devices, least loaded first as the directory saw them; waits out a directory on the move.</summary>
    public Task<IReadOnlyList<DeviceInfo>> Devices(bool fresh = false)
    {
        lock (_gate)
        {
            if (!fresh && _devices.Count > 0 && Stopwatch.GetElapsedTime(_listedAt) < MaxAge) return Task.FromResult(_devices);
            if (_refresh is { IsCompleted: false } running) return running;
            return _refresh = Refresh();
        }
    }

    /// <summary>Pipelines composed from the live devices (see <see cref="PipelineComposer"/>).</summary>
    public async Task<IReadOnlyList<PipelineInfo>> Pipelines(bool fresh = false) => PipelineComposer.Compose(await Devices(fresh));

    async Task<IReadOnlyList<DeviceInfo>> Refresh()
    {
        long started = Stopwatch.GetTimestamp();
        Interlocked.Increment(ref _refreshes);
        var devices = await grains.GetGrain<IModelDirectoryGrain>(0).LiveDevicesAsync();
        DalleMetrics.RecordStage("directory", Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        lock (_gate)
        {
            _devices = devices;
            _listedAt = Stopwatch.GetTimestamp();
        }
        return devices;
    }
}
