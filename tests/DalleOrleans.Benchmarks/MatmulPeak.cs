using static TorchSharp.torch;

namespace DalleOrleans.Benchmarks;

/// <summary>
/// The roofline's ceiling: the fp32 rate of large square matmuls on this machine, with the same thread settings.
/// The best of the sizes is the reference, so the decode step's share of it is not flattered.
/// </summary>
public static class MatmulPeak
{
    public sealed record Result(int Size, double Ms, double GflopPerSecond);

    public static IReadOnlyList<Result> Measure(params int[] sizes)
    {
        var results = new List<Result>();
        foreach (int n in sizes)
        {
            using var scope = NewDisposeScope();
            var a = randn(n, n);
            var b = randn(n, n);
            int reps = n <= 1024 ? 9 : 5;
            double ms = Timing.MedianMs(() => mm(a, b), warmup: 2, reps: reps);
            results.Add(new Result(n, ms, 2.0 * n * n * n / (ms * 1e6)));
        }
        return results;
    }
}
