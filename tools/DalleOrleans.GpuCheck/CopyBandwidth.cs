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
        using var copier = new Copier(device, bytes);
        double ms = DeviceClock.Median(DeviceClock.Times(device, warmup: 2, reps, copier.Copy));
        return copier.ResultOf(ms);
    }

    /// <summary>The two buffers, kept so the copy can be timed in turn with other work (both see the same load).</summary>
    public sealed class Copier : IDisposable
    {
        readonly Tensor _source, _target;

        public Copier(Device device, long bytes)
        {
            Bytes = bytes;
            _source = ones(bytes, dtype: ScalarType.Byte, device: device).DetachFromDisposeScope();
            _target = empty(bytes, dtype: ScalarType.Byte, device: device).DetachFromDisposeScope();
        }

        public long Bytes { get; }
        public void Copy() => _target.copy_(_source);
        public Result ResultOf(double medianMs) => new(Bytes, medianMs, 2.0 * Bytes / (medianMs / 1000));

        public void Dispose()
        {
            _source.Dispose();
            _target.Dispose();
        }
    }
}
