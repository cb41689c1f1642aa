using System.CommandLine;
using Spectre.Console;

namespace DalleOrleans.Client.Bench;

/// <summary>
/// `dalle bench compare`: the in-process pipeline (same batching loop, no Orleans) and the embedded cluster in one process,
/// at two points: one request at a time (the latency the cluster adds to a request) and --concurrency requests at once
/// (the throughput it keeps). Both engines stay up for the whole run and each point measures the baseline right before the
/// cluster, so drift in the machine's load hits both alike. For each point it also prints where a request's time went,
/// stage by stage, in each engine.
/// </summary>
public static class CompareBench
{
    public static Command Create()
    {
        var c = BenchCommand.Make();
        var compare = new Command("compare",
            "Run the in-process baseline and the embedded cluster in one process, at concurrency 1 and at --concurrency, and print their ratios and a stage breakdown.");
        foreach (var option in BenchCommand.All(c).Where(x => x != c.Cluster)) compare.Options.Add(option);
        var rounds = new Option<int>("--rounds")
        {
            Description = "Windows per point, in-process and cluster taking turns, so a shared machine's changing load falls on both (1..100); --requests or --duration is split over them.",
            DefaultValueFactory = _ => 4,
        };
        var threads = new Option<int?>("--torch-threads") { Description = "libtorch intra-op threads for both engines (1..1024; default: one per core)." };
        // Partial previews cost the cluster's device a dVAE decode each; the in-process baseline draws none.
        var previews = new Option<int?>("--previews") { Description = "The embedded silo's Model:PreviewsPerImage (0..64; default: the silo's default)." };
        compare.Options.Add(previews);
        compare.Options.Add(rounds);
        compare.Options.Add(threads);
        compare.SetAction(async (p, ct) => await BenchCommand.Guard(async () =>
        {
            var plan = BenchCommand.Plan(p, c);
            plan.Validate();
            string model = p.GetValue(c.Model)!;
            int turns = p.GetValue(rounds);
            if (turns is < 1 or > 100) throw new ArgumentException($"--rounds is {turns}; it must be between 1 and 100.");
            if (plan.Requests is { } r && r < turns) throw new ArgumentException($"--requests is {r}; it must be at least --rounds ({turns}).");
            if (p.GetValue(threads) is { } t && t is < 1 or > 1024) throw new ArgumentException($"--torch-threads is {t}; it must be between 1 and 1024.");
            if (p.GetValue(previews) is { } n && n is < 0 or > 64) throw new ArgumentException($"--previews is {n}; it must be between 0 and 64.");
            if (!Directory.Exists(model)) throw new ArgumentException($"--model: the model folder '{model}' does not exist.");
            Model.TorchRuntime.Initialize(p.GetValue(threads));      // before either engine loads libtorch; later calls are no-ops
            var points = await RunAsync(plan, model, p.GetValue(c.Rows), ct, turns, p.GetValue(previews));
            await BenchCommand.WriteJson(p.GetValue(c.Json), new { points = points.Select(x => new { x.Baseline, x.Cluster, x.Ratios, x.LoadAverage }) });
            return points.Sum(x => x.Baseline.Errors + x.Cluster.Errors) == 0 ? 0 : 1;
        }));
        return compare;
    }

    public sealed record Ratios(double LatencyP50, double LatencyP99, double Throughput);
    public sealed record Point(LoadReport Baseline, LoadReport Cluster, Ratios Ratios, string LoadAverage);

    public static async Task<IReadOnlyList<Point>> RunAsync(LoadPlan plan, string model, int rows, CancellationToken ct, int rounds = 1, int? previews = null)
    {
        await using var engine = await InProcessEngine.StartAsync(model, rows);
        await using var connection = await ClusterConnection.OpenAsync(null, model, cancellation: ct,
            devices: d => d with { MaxBatchRows = rows, PreviewsPerImage = previews ?? d.PreviewsPerImage });
        using var recorder = new StageRecorder();
        var inProcess = recorder.Wrap(engine.GenerateAsync);
        var cluster = recorder.Wrap((r, token) => connection.Client.GenerateAsync(r, cancellation: token));
        // Warm-up, not measured: JIT, the grains' first activations, the first batch shapes.
        for (int i = 0; i < 3; i++)
        {
            var warm = plan.RequestFor(i) with { Seed = 987654321 + i };
            await inProcess(warm, ct);
            await cluster(warm, ct);
        }

        var levels = plan.Concurrency == 1 ? new[] { 1 } : new[] { 1, plan.Concurrency };
        var points = new List<Point>();
        for (int k = 0; k < levels.Length; k++)
        {
            // A new seed range per point and engine: every request is a miss, in both engines' caches.
            var window = plan with
            {
                Concurrency = levels[k],
                Requests = plan.Requests / rounds,
                Duration = plan.Duration / rounds,
            };
            string load = MachineState.LoadAverage();
            var baselineWindows = new List<LoadReport>();
            var clusterWindows = new List<LoadReport>();
            using var baselineRecorder = new StageRecorder(listen: false);
            using var clusterRecorder = new StageRecorder(listen: false);
            GcUse baselineGc = default, clusterGc = default;
            for (int turn = 0; turn < rounds; turn++)
            {
                int seed = plan.Seed0 + ((k * rounds + turn) * 2) * 1_000_000;
                recorder.Clear();
                var gc = GcUse.Start();
                baselineWindows.Add(await LoadRunner.RunAsync("in-process", window with { Seed0 = seed }, inProcess, ct));
                baselineRecorder.Absorb(recorder);
                baselineGc = baselineGc.Add(gc.Stop());
                recorder.Clear();
                gc = GcUse.Start();
                clusterWindows.Add(await LoadRunner.RunAsync("embedded cluster", window with { Seed0 = seed + 1_000_000 }, cluster, ct));
                clusterRecorder.Absorb(recorder);
                clusterGc = clusterGc.Add(gc.Stop());
            }
            var baseline = LoadReport.Merge(baselineWindows);
            var clustered = LoadReport.Merge(clusterWindows);
            var baselineStages = Breakdown.Of(baselineRecorder);
            var clusterStages = Breakdown.Of(clusterRecorder);
            var ratios = new Ratios(clustered.P50Ms / baseline.P50Ms, clustered.P99Ms / baseline.P99Ms, clustered.ImagesPerSecond / baseline.ImagesPerSecond);
            var point = new Point(baseline, clustered, ratios, $"{load} → {MachineState.LoadAverage()}");
            points.Add(point);

            AnsiConsole.MarkupLineInterpolated($"[bold]concurrency {levels[k]}[/] (load average {point.LoadAverage})");
            BenchCommand.Print(new[] { baseline, clustered });
            AnsiConsole.MarkupLineInterpolated(
                $"cluster / in-process: latency p50 [bold]{ratios.LatencyP50:F2}×[/], p99 {ratios.LatencyP99:F2}×, throughput [bold]{ratios.Throughput:F2}×[/]");
            Breakdown.Print(baselineStages, clusterStages);
            AnsiConsole.MarkupLineInterpolated(
                $"GC per request: in-process {baselineGc.Per(baseline.Requests)}; cluster {clusterGc.Per(clustered.Requests)}");
        }
        return points;
    }
}

/// <summary>Mean milliseconds per request, stage by stage, of one run (see <see cref="StageRecorder"/>).</summary>
public sealed record Breakdown(double EndToEnd, double ClientFingerprint, double GrainCall, double Directory, double DirectoryCalls, double CacheLookup,
    double Tokens, double TokensAccepted, double DecodeHop, double Decode, double Rerank, double Encode, double GrainRest, double MeanBatch)
{
    public static Breakdown Of(StageRecorder r)
    {
        double total = r.Mean(t => t.TotalMs), tokens = r.Mean(t => t.TokensMs), decode = r.Mean(t => t.DecodeMs), rerank = r.Mean(t => t.RerankMs),
            encode = r.Mean(t => t.EncodeMs), lookup = r.Mean(t => t.CacheLookupMs);
        double decodeCall = r.PerRequest("decode_call"), fingerprint = r.PerRequest("client_fingerprint");
        // The grain's total runs from its cache lookup to its answer; what the caller saw on top of it (and of its own model
        // lookup) is the call into the grain, the validation's directory call and the result's trip back.
        double grainCall = Math.Max(0, r.MeanEndToEnd - total - fingerprint);
        double decodeHop = decodeCall == 0 ? 0 : Math.Max(0, decodeCall - decode - rerank - encode);
        double rest = decodeCall == 0 ? Math.Max(0, total - tokens - decode - rerank - encode) : Math.Max(0, total - lookup - tokens - decodeCall);
        return new Breakdown(r.MeanEndToEnd, fingerprint, grainCall, r.PerRequest("directory"), r.CountPerRequest("directory"), lookup,
            tokens, r.PerRequest("tokens_accepted"), decodeHop, decode, rerank, encode, rest, r.MeanBatch);
    }

    public static void Print(Breakdown inProcess, Breakdown cluster)
    {
        var table = new Table().AddColumns("stage (mean ms per request)", "in-process", "embedded cluster", "cluster − in-process");
        void Row(string name, double a, double b) => table.AddRow(name, $"{a:F1}", $"{b:F1}", $"{b - a:+0.0;-0.0;0.0}");
        Row("caller's end-to-end latency", inProcess.EndToEnd, cluster.EndToEnd);
        Row("  client: model lookup for the fingerprint", inProcess.ClientFingerprint, cluster.ClientFingerprint);
        Row("  call into the grain + result back (incl. validation)", inProcess.GrainCall, cluster.GrainCall);
        Row($"  directory calls in the grain ({cluster.DirectoryCalls:F1} per request; part of the rows around)", inProcess.Directory, cluster.Directory);
        Row("  cache lookup", inProcess.CacheLookup, cluster.CacheLookup);
        Row("  image tokens (queue + batched steps + relay)", inProcess.Tokens, cluster.Tokens);
        Row("    of which: call → device accepted", inProcess.TokensAccepted, cluster.TokensAccepted);
        Row("  decode/rerank hop (call minus device work)", inProcess.DecodeHop, cluster.DecodeHop);
        Row("  dVAE decode", inProcess.Decode, cluster.Decode);
        Row("  rerank", inProcess.Rerank, cluster.Rerank);
        Row("  PNG encode", inProcess.Encode, cluster.Encode);
        Row("  rest in the grain (cache store, model id, progress)", inProcess.GrainRest, cluster.GrainRest);
        table.AddRow("streams per decode step (mean)", $"{inProcess.MeanBatch:F1}", $"{cluster.MeanBatch:F1}", "");
        AnsiConsole.Write(table);
    }
}

/// <summary>
/// Garbage collections and their pauses over a window. Why: a collection suspends every managed thread, the device's
/// executor too whenever it comes back from a libtorch call, so a process that allocates more per request steps slower.
/// </summary>
public readonly record struct GcUse(int Gen0, int Gen1, int Gen2, double PauseMs, long AllocatedBytes)
{
    public static GcUse Now() => new(GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2),
        GC.GetTotalPauseDuration().TotalMilliseconds, GC.GetTotalAllocatedBytes());
    public static GcStart Start() => new(Now());
    public GcUse Add(GcUse o) => new(Gen0 + o.Gen0, Gen1 + o.Gen1, Gen2 + o.Gen2, PauseMs + o.PauseMs, AllocatedBytes + o.AllocatedBytes);
    public string Per(int requests) => requests == 0 ? "n/a" :
        $"{(double)AllocatedBytes / requests / 1024:F0} KiB allocated, {(double)Gen0 / requests:F2} gen0 / {(double)Gen2 / requests:F3} gen2 collections, {PauseMs / requests:F2} ms paused";
}

public readonly record struct GcStart(GcUse At)
{
    public GcUse Stop()
    {
        var now = GcUse.Now();
        return new GcUse(now.Gen0 - At.Gen0, now.Gen1 - At.Gen1, now.Gen2 - At.Gen2, now.PauseMs - At.PauseMs, now.AllocatedBytes - At.AllocatedBytes);
    }
}
