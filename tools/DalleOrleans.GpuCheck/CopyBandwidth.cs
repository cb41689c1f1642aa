using static TorchSharp.torch;

namespace DalleOrleans.GpuCheck;

/// <summary>
/// The device's memory bandwidth as a large device-to-device copy sees it: bytes read plus bytes written per second.
/// A decode step that only read its weights once could go no faster than weight bytes ÷ this.
/// </summary>
public static class CopyBandwidth
{
    public sealed record Result(long Bytes, double MedianMs, double BytesPerSecond);

    public static Result Measure(Device device, long bytes, int reps = 10)
    {
        using var scope = NewDisposeScope();
        var source = ones(bytes, dtype: ScalarType.Byte, device: device);
        var target = empty(bytes, dtype: ScalarType.Byte, device: device);
        double ms = DeviceClock.Median(DeviceClock.Times(device, warmup: 2, reps, () => target.copy_(source)));
        return new Result(bytes, ms, 2.0 * bytes / (ms / 1000));
    }
}
