using System.Diagnostics;
using static TorchSharp.torch;

namespace DalleOrleans.Benchmarks;

/// <summary>Warm-up, then the median of timed repetitions; each repetition in its own dispose scope, under no_grad.</summary>
public static class Timing
{
    /// <summary>Median milliseconds of <paramref name="body"/>: <paramref name="warmup"/> untimed runs, then <paramref name="reps"/> timed ones.</summary>
    public static double MedianMs(Action body, int warmup, int reps)
    {
        using var noGrad = no_grad();
        for (int i = 0; i < warmup; i++)
        {
            using var scope = NewDisposeScope();
            body();
        }
        var times = new double[reps];
        for (int i = 0; i < reps; i++)
        {
            using var scope = NewDisposeScope();
            var clock = Stopwatch.StartNew();
            body();
            times[i] = clock.Elapsed.TotalMilliseconds;
        }
        return Median(times);
    }

    /// <summary>
    /// Medians of several bodies timed in turn (A, B, C, A, B, C, ...), so each sees the same background load: on a
    /// shared machine the load drifts by several times within a minute, and only ratios of interleaved samples hold.
    /// </summary>
    public static double[] InterleavedMedianMs(int warmup, int reps, params Action[] bodies)
    {
        using var noGrad = no_grad();
        var times = bodies.Select(_ => new List<double>()).ToArray();
        for (int i = 0; i < warmup + reps; i++)
            for (int b = 0; b < bodies.Length; b++)
            {
                using var scope = NewDisposeScope();
                var clock = Stopwatch.StartNew();
                bodies[b]();
                if (i >= warmup) times[b].Add(clock.Elapsed.TotalMilliseconds);
            }
        return times.Select(Median).ToArray();
    }

    public static double Median(IReadOnlyList<double> values)
    {
        var sorted = values.OrderBy(v => v).ToArray();
        int n = sorted.Length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}
