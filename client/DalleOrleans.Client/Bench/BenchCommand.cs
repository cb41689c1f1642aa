using System.CommandLine;
using System.Text.Json;
using Spectre.Console;

namespace DalleOrleans.Client.Bench;

/// <summary>
/// `dalle bench`: a bounded load against the cluster (or an embedded silo, or with --in-process the same
/// pipeline without Orleans) → requests/s, images/s, latency percentiles, cache hit rate, errors.
/// Subcommands: `compare` (cluster vs in-process at concurrency 1 and N, with a stage breakdown), `batching`, `cache`
/// and `memory` (see their classes).
/// </summary>
public static class BenchCommand
{
    internal sealed record Options(Option<string?> Cluster, Option<int> Concurrency, Option<int?> Requests, Option<double?> Duration,
        Option<int> Unique, Option<int> Candidates, Option<int> Top, Option<string> Model, Option<string?> Json, Option<int> Rows, Option<int> Seed);

    internal static Options Make() => new(
        new Option<string?>("--cluster") { Description = "Redis connection string of a running cluster (default: an embedded silo)." },
        new Option<int>("--concurrency") { Description = "Concurrent callers (1..1024).", DefaultValueFactory = _ => 4 },
        new Option<int?>("--requests") { Description = "Requests in total (1..1000000)." },
        new Option<double?>("--duration") { Description = "Seconds to run instead of a request count." },
        new Option<int>("--unique-prompts") { Description = "Distinct requests cycled through; repeats are cache hits.", DefaultValueFactory = _ => 1_000_000 },
        new Option<int>("--candidates") { Description = "Candidates per request (1..64).", DefaultValueFactory = _ => 4 },
        new Option<int>("--top") { Description = "Images kept per request.", DefaultValueFactory = _ => 1 },
        new Option<string>("--model") { Description = "Model folder (embedded silo and --in-process).", DefaultValueFactory = _ => "models/shapes-v2" },
        new Option<string?>("--json") { Description = "Also write the report(s) as JSON to this file." },
        new Option<int>("--batch-rows") { Description = "KV-cache rows of the in-process device.", DefaultValueFactory = _ => 32 },
        // Consecutive runs against one cluster share its Redis cache: a new first seed keeps a later run from hitting the earlier one's results.
        new Option<int>("--seed") { Description = "Seed of the first distinct request; request u uses seed + u.", DefaultValueFactory = _ => 0 });

    internal static IEnumerable<Option> All(Options o) => new Option[] { o.Cluster, o.Concurrency, o.Requests, o.Duration, o.Unique, o.Candidates, o.Top, o.Model, o.Json, o.Rows, o.Seed };

    internal static LoadPlan Plan(ParseResult p, Options o)
    {
        int? requests = p.GetValue(o.Requests);
        double? duration = p.GetValue(o.Duration);
        if (requests is null && duration is null) requests = 20;
        return new LoadPlan(p.GetValue(o.Concurrency), requests, duration is { } s ? TimeSpan.FromSeconds(s) : null,
            p.GetValue(o.Unique), p.GetValue(o.Candidates), p.GetValue(o.Top), p.GetValue(o.Seed));
    }

    public static Command Create()
    {
        var o = Make();
        var inProcess = new Option<bool>("--in-process") { Description = "Run the same load on the in-process pipeline, with no Orleans (the baseline)." };
        var bench = new Command("bench", "Measure throughput and latency under a bounded load.");
        foreach (var option in All(o)) bench.Options.Add(option);
        bench.Options.Add(inProcess);
        bench.SetAction(async (p, ct) => await Guard(async () =>
        {
            var plan = Plan(p, o);
            plan.Validate();
            var report = p.GetValue(inProcess)
                ? await RunInProcess(plan, p.GetValue(o.Model)!, p.GetValue(o.Rows), ct)
                : await RunCluster(plan, p.GetValue(o.Cluster), p.GetValue(o.Model)!, ct);
            Print(new[] { report });
            await WriteJson(p.GetValue(o.Json), new { reports = new[] { report } });
            return report.Errors == 0 ? 0 : 1;
        }));

        // Cluster-level measurements (issue #8), one mode each; every figure is a ratio or a distribution from one run.
        bench.Subcommands.Add(CompareBench.Create());
        bench.Subcommands.Add(BatchingBench.Create());
        bench.Subcommands.Add(CacheBench.Create());
        bench.Subcommands.Add(MemoryBench.Create());
        bench.Subcommands.Add(PipelineBench.Create());
        return bench;
    }

    /// <summary>
    /// Runs a bench mode with live progress on stderr (<see cref="LiveProgress"/>); a bad option is exit code 2 and an
    /// unreachable cluster 4, each one line on stderr.
    /// </summary>
    internal static async Task<int> Guard(Func<Task<int>> run)
    {
        var terminal = Terminal.Current;
        try { return await LiveProgress.RunAsync(run, terminal); }
        catch (ArgumentException e)
        {
            terminal.Fail(e.Message);
            return ExitCodes.Usage;
        }
        catch (ClusterUnreachableException e)
        {
            terminal.Fail(e.Message);
            return ExitCodes.Unreachable;
        }
    }

    static async Task<LoadReport> RunInProcess(LoadPlan plan, string model, int rows, CancellationToken ct)
    {
        if (!Directory.Exists(model)) throw new ArgumentException($"--model: the model folder '{model}' does not exist.");
        await using var engine = await InProcessEngine.StartAsync(model, rows);
        await engine.GenerateAsync(plan.RequestFor(0) with { Seed = 987654321 }, ct);   // warm-up, not measured
        return await LoadRunner.RunAsync("in-process", plan, engine.GenerateAsync, ct);
    }

    static async Task<LoadReport> RunCluster(LoadPlan plan, string? cluster, string model, CancellationToken ct)
    {
        await using var connection = await ClusterConnection.OpenAsync(cluster, model, cancellation: ct);
        await connection.Client.GenerateAsync(plan.RequestFor(0) with { Seed = 987654321 }, cancellation: ct);        // warm-up, not measured
        return await LoadRunner.RunAsync(connection.Embedded ? "embedded cluster" : "cluster", plan,
            (r, token) => connection.Client.GenerateAsync(r, cancellation: token), ct);
    }

    internal static void Print(IEnumerable<LoadReport> reports)
    {
        if (Console.IsOutputRedirected) AnsiConsole.Profile.Width = 160;     // logs and BENCHMARKS.md want whole rows
        var table = new Table().AddColumns("mode", "conc.", "requests", "errors", "req/s", "images/s", "cand./s", "p50 ms", "p95 ms", "p99 ms", "cache hits");
        foreach (var r in reports)
            table.AddRow(r.Mode, r.Concurrency.ToString(), r.Requests.ToString(), r.Errors.ToString(), $"{r.RequestsPerSecond:F2}", $"{r.ImagesPerSecond:F2}",
                $"{r.CandidatesPerSecond:F2}", $"{r.P50Ms:F1}", $"{r.P95Ms:F1}", $"{r.P99Ms:F1}", $"{r.CacheHitRate:P0}");
        AnsiConsole.Write(table);
        foreach (var r in reports.Where(r => r.FirstError is not null))
            AnsiConsole.MarkupLineInterpolated($"[yellow]{r.Mode}: first error: {r.FirstError}[/]");
    }

    internal static async Task WriteJson(string? path, object value)
    {
        if (string.IsNullOrEmpty(path)) return;
        await File.WriteAllTextAsync(path, JsonSerializer.Serialize(value, new JsonSerializerOptions(JsonSerializerDefaults.Web) { WriteIndented = true }));
    }
}
