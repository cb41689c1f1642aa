using System.Diagnostics;

namespace DalleOrleans.Client.Bench;

/// <summary>
/// Counts of the load run in progress, for the live display (<see cref="LiveProgress"/>). <see cref="LoadRunner"/>
/// reports into <see cref="Current"/>, an async local that the bench command sets around a whole mode, so every mode
/// (compare, batching, cache, memory) shows its runs without passing a reporter through each of them.
/// </summary>
public sealed class LoadProgress
{
    static readonly AsyncLocal<LoadProgress?> current = new();

    public static LoadProgress? Current
    {
        get => current.Value;
        set => current.Value = value;
    }

    readonly object gate = new();
    readonly Stopwatch total = Stopwatch.StartNew();
    readonly Stopwatch run = new();
    string mode = "";
    int? target;
    TimeSpan? duration;
    int done, errors, runs;

    /// <summary>A new run (window) of a mode starts: its counts begin at zero.</summary>
    public void Begin(string runMode, LoadPlan plan)
    {
        lock (gate)
        {
            (mode, target, duration, done, errors) = (runMode, plan.Requests, plan.Duration, 0, 0);
            runs++;
            run.Restart();
        }
    }

    public void Completed(bool ok)
    {
        lock (gate)
        {
            done++;
            if (!ok) errors++;
        }
    }

    /// <summary>One line: "bench: 1 at a time (run 2): 12/20 requests, 0 errors, 2.4 req/s, 5 s in this run, 31 s in all".</summary>
    public string Describe()
    {
        lock (gate)
        {
            if (runs == 0) return $"bench: starting (silo start-up and warm-up), {total.Elapsed.TotalSeconds:F0} s";
            double seconds = run.Elapsed.TotalSeconds;
            string of = target is { } t ? $"{done}/{t} requests" : $"{done} requests in {seconds:F0}/{duration!.Value.TotalSeconds:F0} s";
            double rate = seconds > 0 ? (done - errors) / seconds : 0;
            return $"bench: {mode} (run {runs}): {of}, {errors} error(s), {rate:F1} req/s, {seconds:F0} s in this run, {total.Elapsed.TotalSeconds:F0} s in all";
        }
    }
}
