namespace DalleOrleans.Client.Bench;

/// <summary>This process's CPU time since a start point, as cores busy on average.</summary>
public readonly record struct CpuClock(TimeSpan Cpu, long Started)
{
    public static CpuClock Start() => new(System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime, System.Diagnostics.Stopwatch.GetTimestamp());

    public double CoresSince()
    {
        double wall = System.Diagnostics.Stopwatch.GetElapsedTime(Started).TotalSeconds;
        return wall <= 0 ? 0 : (System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime - Cpu).TotalSeconds / wall;
    }
}
