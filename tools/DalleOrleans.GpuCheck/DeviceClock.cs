using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;

namespace DalleOrleans.GpuCheck;

/// <summary>
/// Wall-clock timing of device work: CUDA runs asynchronously, so every timed region starts and ends with a
/// device synchronisation; on the CPU the ops are done when they return.
/// </summary>
public static class DeviceClock
{
    public static void Sync(Device device)
    {
        if (device.type == DeviceType.CUDA) torch.cuda.synchronize(device);
    }

    /// <summary>Milliseconds of each of <paramref name="reps"/> runs of <paramref name="body"/> after <paramref name="warmup"/> untimed ones.</summary>
    public static double[] Times(Device device, int warmup, int reps, Action body)
    {
        var times = new double[reps];
        for (int i = 0; i < warmup + reps; i++)
        {
            Sync(device);
            long start = Stopwatch.GetTimestamp();
            body();
            Sync(device);
            if (i >= warmup) times[i - warmup] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
        return times;
    }

    public static double Median(IReadOnlyList<double> values)
    {
        var sorted = values.OrderBy(v => v).ToArray();
        int n = sorted.Length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}
