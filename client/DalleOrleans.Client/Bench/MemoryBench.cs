using System.CommandLine;
using System.Diagnostics;
using Spectre.Console;

namespace DalleOrleans.Client.Bench;

/// <summary>
/// `dalle bench memory`: the resident memory (VmRSS after a forced, compacting GC) of an embedded silo (this process) as
/// generations accumulate, measured every --every generations up to --generations, and the peak memory of 1 vs --streams
/// concurrent candidate streams. Bounded: the growth phase stops at --max-seconds and says how far it got.
/// </summary>
/// <remarks>
/// The embedded silo keeps results in its in-memory cache (at most Cache:MemoryEntries = 1000 entries), which grows by
/// design; the report prints those cached PNG bytes next to the growth so the two can be told apart.
/// </remarks>
public static class MemoryBench
{
    public sealed record Settings(string Model, int Generations, int Every, int Concurrency, int Candidates, int Streams, double MaxSeconds)
    {
        public void Validate()
        {
            if (Generations is < 1 or > 100_000) throw new ArgumentException($"--generations is {Generations}; it must be between 1 and 100000.");
            if (Every < 1 || Every > Generations) throw new ArgumentException($"--every is {Every}; it must be between 1 and --generations ({Generations}).");
            if (Concurrency is < 1 or > 1024) throw new ArgumentException($"--concurrency is {Concurrency}; it must be between 1 and 1024.");
            if (Candidates is < 1 or > 64) throw new ArgumentException($"--candidates is {Candidates}; it must be between 1 and 64.");
            if (Streams is < 2 or > 1024) throw new ArgumentException($"--streams is {Streams}; it must be between 2 and 1024.");
            if (MaxSeconds is < 1 or > 3600 || double.IsNaN(MaxSeconds)) throw new ArgumentException($"--max-seconds is {MaxSeconds}; it must be between 1 and 3600.");
            if (!Directory.Exists(Model)) throw new ArgumentException($"--model: the model folder '{Model}' does not exist.");
        }
    }

    public sealed record Sample(int Generations, double Seconds, double ResidentMiB, double ManagedMiB, double CachedPngMiB);
    public sealed record StreamPeak(int Streams, double BaseMiB, double PeakMiB, string Method);
    public sealed record Report(IReadOnlyList<Sample> Growth, double GrowthFirstToLast, bool Finished, IReadOnlyList<StreamPeak> Peaks, double PerStreamMiB, string LoadAverage);

    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Model folder of the embedded silo.", DefaultValueFactory = _ => "models/shapes-v2" };
        var generations = new Option<int>("--generations") { Description = "Generations in the growth phase (1..100000).", DefaultValueFactory = _ => 1000 };
        var every = new Option<int>("--every") { Description = "Measure RSS every this many generations (1..generations).", DefaultValueFactory = _ => 100 };
        var concurrency = new Option<int>("--concurrency") { Description = "Requests at once in the growth phase (1..1024).", DefaultValueFactory = _ => 8 };
        var candidates = new Option<int>("--candidates") { Description = "Candidates per request in the growth phase (1..64).", DefaultValueFactory = _ => 4 };
        var streams = new Option<int>("--streams") { Description = "Concurrent candidate streams compared with one (2..1024).", DefaultValueFactory = _ => 32 };
        var maxSeconds = new Option<double>("--max-seconds") { Description = "Stop the growth phase after this many seconds (1..3600).", DefaultValueFactory = _ => 240 };
        var json = new Option<string?>("--json") { Description = "Also write the report as JSON to this file." };
        var command = new Command("memory", "Resident memory of an embedded silo over many generations, and peak memory per concurrent candidate stream.")
            { model, generations, every, concurrency, candidates, streams, maxSeconds, json };
        command.SetAction(async (p, ct) => await BenchCommand.Guard(async () =>
        {
            var settings = new Settings(p.GetValue(model)!, p.GetValue(generations), p.GetValue(every), p.GetValue(concurrency), p.GetValue(candidates),
                p.GetValue(streams), p.GetValue(maxSeconds));
            settings.Validate();
            var report = await RunAsync(settings, ct);
            await BenchCommand.WriteJson(p.GetValue(json), report);
            return 0;
        }));
        return command;
    }

    public static async Task<Report> RunAsync(Settings s, CancellationToken ct)
    {
        s.Validate();
        await using var connection = await ClusterConnection.OpenAsync(null, s.Model, cancellation: ct);
        long cachedPng = 0;
        int cached = 0;
        var generate = async (Abstractions.GenerationRequest r, CancellationToken token) =>
        {
            var result = await connection.Client.GenerateAsync(r, cancellation: token);
            if (!result.CacheHit) { Interlocked.Add(ref cachedPng, result.Images.Sum(i => (long)i.Png.Length)); Interlocked.Increment(ref cached); }
            return result;
        };
        string load = MachineState.LoadAverage();
        var clock = Stopwatch.StartNew();
        var plan = new LoadPlan(s.Concurrency, 20, null, 1_000_000, s.Candidates, 1, Seed0: 500_000_000);
        await LoadRunner.RunAsync("warm-up", plan, generate, ct);      // JIT, thread pools, allocator arenas: not growth

        // Growth: RSS after every --every generations; new seeds throughout, so every request generates.
        var growth = new List<Sample> { Measure(0) };
        int done = 0;
        clock.Restart();
        while (done < s.Generations && clock.Elapsed.TotalSeconds < s.MaxSeconds)
        {
            int chunk = Math.Min(s.Every, s.Generations - done);
            var report = await LoadRunner.RunAsync("growth", plan with { Requests = chunk, Seed0 = done }, generate, ct);
            if (report.Errors > 0) throw new InvalidOperationException($"a generation failed: {report.FirstError}");
            done += chunk;
            growth.Add(Measure(done));
        }
        Sample Measure(int n)
        {
            long rss = MachineState.ResidentAfterGc();
            long png = Interlocked.Read(ref cachedPng) * Math.Min(Volatile.Read(ref cached), 1000) / Math.Max(1, Volatile.Read(ref cached));
            return new Sample(n, clock.Elapsed.TotalSeconds, MachineState.MiB(rss), MachineState.MiB(GC.GetTotalMemory(false)), MachineState.MiB(png));
        }

        // Peak per stream: requests of one candidate each, 1 at a time vs --streams at a time (each stream one batch row).
        var peaks = new List<StreamPeak>();
        foreach (int n in new[] { 1, s.Streams })
        {
            long baseline = MachineState.ResidentAfterGc();
            bool reset = MachineState.ResetPeak();
            await using (var sampler = new PeakSampler())
            {
                var streams = new LoadPlan(n, n * 4, null, 1_000_000, 1, 1, Seed0: 600_000_000 + n * 1000);
                await LoadRunner.RunAsync("streams", streams, generate, ct);
                long peak = reset ? Math.Max(MachineState.StatusBytes("VmHWM"), sampler.Peak) : sampler.Peak;
                peaks.Add(new StreamPeak(n, MachineState.MiB(baseline), MachineState.MiB(peak), reset ? "VmHWM (reset via clear_refs)" : "VmRSS sampled every 5 ms"));
            }
        }
        double perStream = (peaks[1].PeakMiB - peaks[1].BaseMiB - (peaks[0].PeakMiB - peaks[0].BaseMiB)) / (s.Streams - 1);
        var first = growth.Count > 1 ? growth[1] : growth[0];
        double ratio = growth[^1].ResidentMiB / first.ResidentMiB;
        var result = new Report(growth, ratio, done == s.Generations, peaks, perStream, $"{load} → {MachineState.LoadAverage()}");

        AnsiConsole.MarkupLineInterpolated($"embedded silo, {s.Candidates} candidates per request, {s.Concurrency} at a time; load average {result.LoadAverage}");
        var table = new Table().AddColumns("generations", "seconds", "RSS MiB (after GC)", "managed heap MiB", "cached PNGs MiB");
        foreach (var g in growth) table.AddRow(g.Generations.ToString(), $"{g.Seconds:F0}", $"{g.ResidentMiB:F1}", $"{g.ManagedMiB:F1}", $"{g.CachedPngMiB:F2}");
        AnsiConsole.Write(table);
        if (!result.Finished) AnsiConsole.MarkupLineInterpolated($"[yellow]stopped at --max-seconds after {done} of {s.Generations} generations[/]");
        AnsiConsole.MarkupLineInterpolated($"RSS after {growth[^1].Generations} / after {first.Generations} generations: [bold]{ratio:F3}×[/] ({(ratio - 1) * 100:+0.0;-0.0} %)");
        var peakTable = new Table().AddColumns("concurrent streams", "RSS before MiB", "peak RSS MiB", "peak − before MiB", "how");
        foreach (var p in peaks) peakTable.AddRow(p.Streams.ToString(), $"{p.BaseMiB:F1}", $"{p.PeakMiB:F1}", $"{p.PeakMiB - p.BaseMiB:F1}", p.Method);
        AnsiConsole.Write(peakTable);
        AnsiConsole.MarkupLineInterpolated($"peak memory per extra concurrent stream: [bold]{perStream:F2} MiB[/]");
        return result;
    }
}
