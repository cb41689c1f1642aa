using System.Diagnostics;
using DalleOrleans.Abstractions;

namespace DalleOrleans.Client.Bench;

/// <summary>What one load run asks for: how many requests (or for how long), how many at once, how varied.</summary>
public sealed record LoadPlan(int Concurrency, int? Requests, TimeSpan? Duration, int UniquePrompts, int Candidates, int Top, int Seed0 = 0)
{
    public void Validate()
    {
        if (Concurrency is < 1 or > 1024) throw new ArgumentException($"concurrency is {Concurrency}; it must be between 1 and 1024.");
        if (Requests is null == Duration is null) throw new ArgumentException("requests/duration: give exactly one of --requests or --duration.");
        if (Requests is < 1 or > 1_000_000) throw new ArgumentException($"requests is {Requests}; it must be between 1 and 1000000.");
        if (Duration is { } d && (d <= TimeSpan.Zero || d > TimeSpan.FromHours(1))) throw new ArgumentException($"duration is {d}; it must be between 1 s and 1 h.");
        if (UniquePrompts is < 1 or > 1_000_000) throw new ArgumentException($"unique-prompts is {UniquePrompts}; it must be between 1 and 1000000.");
        if (Candidates is < 1 or > 64) throw new ArgumentException($"candidates is {Candidates}; it must be between 1 and 64.");
        if (Top < 1 || Top > Candidates) throw new ArgumentException($"top is {Top}; it must be between 1 and candidates ({Candidates}).");
        if (Seed0 < 0) throw new ArgumentException($"seed is {Seed0}; it must be 0 or more.");
    }

    static readonly string[] Captions =
    {
        "a large red circle", "a small blue square", "a yellow triangle", "a green circle on black", "an orange square in the center",
        "a purple square at the top", "a white circle on a blue background", "a black triangle on yellow", "a red square in the bottom left",
        "a blue triangle on the right",
    };

    /// <summary>Request number i: prompt and seed cycle through <see cref="UniquePrompts"/> distinct requests.</summary>
    /// <remarks>
    /// Unguided (guidance 1), not the service's default of 2: one KV row per candidate, as the benches' model-level
    /// ceilings and every number in BENCHMARKS.md assume; guided traffic is the same loop with twice the rows.
    /// </remarks>
    public GenerationRequest RequestFor(long i)
    {
        long u = i % UniquePrompts;
        return new GenerationRequest { Prompt = Captions[u % Captions.Length], Seed = Seed0 + u, Candidates = Candidates, Top = Top, GuidanceScale = 1.0 };
    }
}

/// <summary>The measurements of one run.</summary>
public sealed record LoadReport(string Mode, int Concurrency, int Requests, int Errors, double Seconds, double RequestsPerSecond,
    double ImagesPerSecond, double CandidatesPerSecond, double P50Ms, double P95Ms, double P99Ms, double CacheHitRate, string? FirstError)
{
    /// <summary>Every successful request's latency, sorted; kept so that runs taken in turns can be merged.</summary>
    [System.Text.Json.Serialization.JsonIgnore] public IReadOnlyList<double> LatenciesMs { get; init; } = Array.Empty<double>();
    [System.Text.Json.Serialization.JsonIgnore] internal int Images { get; init; }
    [System.Text.Json.Serialization.JsonIgnore] internal int Hits { get; init; }

    public static double Percentile(IReadOnlyList<double> sorted, double q) =>
        sorted.Count == 0 ? 0 : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(q * sorted.Count) - 1)];

    /// <summary>
    /// One report from several windows of the same mode (taken in turns with another mode, so that a shared machine's
    /// changing load falls on both alike): counts and seconds add up, percentiles come from every latency.
    /// </summary>
    public static LoadReport Merge(IReadOnlyList<LoadReport> windows)
    {
        var first = windows[0];
        var latencies = windows.SelectMany(w => w.LatenciesMs).OrderBy(x => x).ToArray();
        double seconds = windows.Sum(w => w.Seconds);
        int ok = latencies.Length, images = windows.Sum(w => w.Images), hits = windows.Sum(w => w.Hits);
        return new LoadReport(first.Mode, first.Concurrency, windows.Sum(w => w.Requests), windows.Sum(w => w.Errors), seconds, ok / seconds,
            images / seconds, windows.Sum(w => w.CandidatesPerSecond * w.Seconds) / seconds, Percentile(latencies, 0.50), Percentile(latencies, 0.95),
            Percentile(latencies, 0.99), ok == 0 ? 0 : (double)hits / ok, windows.Select(w => w.FirstError).FirstOrDefault(e => e is not null))
        { LatenciesMs = latencies, Images = images, Hits = hits };
    }
}

/// <summary>Runs a <see cref="LoadPlan"/> with C concurrent callers against any generate function and measures it.</summary>
public static class LoadRunner
{
    public static async Task<LoadReport> RunAsync(string mode, LoadPlan plan, Func<GenerationRequest, CancellationToken, Task<GenerationResult>> generate,
        CancellationToken cancellation = default)
    {
        plan.Validate();
        var progress = LoadProgress.Current;     // the live display's counts, when the bench command shows one
        progress?.Begin(mode, plan);
        var latencies = new List<double>();
        int errors = 0, hits = 0, images = 0, candidates = 0;
        string? firstError = null;
        long next = -1;
        var gate = new object();
        var clock = Stopwatch.StartNew();
        var deadline = plan.Duration is { } d ? clock.Elapsed + d : TimeSpan.MaxValue;

        async Task Worker()
        {
            while (!cancellation.IsCancellationRequested)
            {
                long i = Interlocked.Increment(ref next);
                if (plan.Requests is { } r && i >= r) return;
                if (clock.Elapsed >= deadline) return;
                var started = clock.Elapsed;
                try
                {
                    var result = await generate(plan.RequestFor(i), cancellation);
                    double ms = (clock.Elapsed - started).TotalMilliseconds;
                    lock (gate)
                    {
                        latencies.Add(ms);
                        images += result.Images.Count;
                        if (result.CacheHit) hits++; else candidates += plan.Candidates;
                    }
                    progress?.Completed(ok: true);
                }
                catch (Exception e) when (!cancellation.IsCancellationRequested)
                {
                    lock (gate) { errors++; firstError ??= e.Message; }
                    progress?.Completed(ok: false);
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, plan.Concurrency).Select(_ => Task.Run(Worker, cancellation)));
        double seconds = clock.Elapsed.TotalSeconds;
        latencies.Sort();
        double P(double q) => LoadReport.Percentile(latencies, q);
        int ok = latencies.Count;
        return new LoadReport(mode, plan.Concurrency, ok + errors, errors, seconds, ok / seconds, images / seconds, candidates / seconds,
            P(0.50), P(0.95), P(0.99), ok == 0 ? 0 : (double)hits / ok, firstError) { LatenciesMs = latencies, Images = images, Hits = hits };
    }
}
