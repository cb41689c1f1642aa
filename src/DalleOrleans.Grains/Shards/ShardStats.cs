namespace DalleOrleans.Grains.Shards;

/// <summary>
/// Time this silo's shard grains spent computing (on their device threads, conversions included) and how many calls
/// they served. With the drivers' wait time it separates a hop's own cost from the shard's work (`bench pipeline`).
/// </summary>
public sealed class ShardStats
{
    long _computeTicks, _calls;
    public void Add(long ticks)
    {
        Interlocked.Add(ref _computeTicks, ticks);
        Interlocked.Increment(ref _calls);
    }
    public double ComputeSeconds => Interlocked.Read(ref _computeTicks) / (double)System.Diagnostics.Stopwatch.Frequency;
    public long Calls => Interlocked.Read(ref _calls);
}
