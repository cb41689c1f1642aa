using System.Runtime;

namespace DalleOrleans.Client.Bench;

/// <summary>
/// What the machine and this process look like while a bench runs: the load average (printed with every table, because
/// on a shared machine absolute times mean little without it) and this process's resident memory from /proc.
/// </summary>
public static class MachineState
{
    /// <summary>"1.23 2.34 3.45" (1, 5 and 15 minute load averages), or "n/a" off Linux.</summary>
    public static string LoadAverage()
    {
        try { return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)); }
        catch (IOException) { return "n/a"; }
        catch (UnauthorizedAccessException) { return "n/a"; }
    }

    /// <summary>A field of /proc/self/status in bytes (VmRSS: resident now; VmHWM: the resident peak); 0 when unavailable.</summary>
    public static long StatusBytes(string field)
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
                if (line.StartsWith(field + ":", StringComparison.Ordinal))
                    return long.Parse(line[(field.Length + 1)..].Trim().Split(' ')[0]) * 1024;   // "VmRSS:   123456 kB"
        }
        catch (IOException) { }
        return 0;
    }

    public static long ResidentBytes() => StatusBytes("VmRSS");

    /// <summary>
    /// Resident memory after a full, compacting collection: what the process keeps, not garbage waiting for the GC.
    /// Finalizers run in between because TorchSharp tensors that escaped a dispose scope free native memory there.
    /// </summary>
    public static long ResidentAfterGc()
    {
        GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        return ResidentBytes();
    }

    /// <summary>
    /// Resets the kernel's resident peak (VmHWM) to the current RSS by writing "5" to /proc/self/clear_refs (Linux 4.0+),
    /// so a later VmHWM is the peak of what ran in between. False when the kernel refuses; <see cref="PeakSampler"/> is the fallback.
    /// </summary>
    public static bool ResetPeak()
    {
        try { File.WriteAllText("/proc/self/clear_refs", "5"); return true; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return false; }
    }

    public static double MiB(long bytes) => bytes / (1024.0 * 1024.0);
}

/// <summary>Samples VmRSS every few milliseconds and keeps the largest value: a peak that does not depend on clear_refs.</summary>
public sealed class PeakSampler : IAsyncDisposable
{
    readonly CancellationTokenSource _stop = new();
    readonly Task _loop;
    long _peak;

    public PeakSampler()
    {
        _peak = MachineState.ResidentBytes();
        _loop = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                long rss = MachineState.ResidentBytes();
                if (rss > Interlocked.Read(ref _peak)) Interlocked.Exchange(ref _peak, rss);
                try { await Task.Delay(5, _stop.Token); } catch (OperationCanceledException) { }
            }
        });
    }

    public long Peak => Interlocked.Read(ref _peak);

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        await _loop;
        _stop.Dispose();
    }
}
