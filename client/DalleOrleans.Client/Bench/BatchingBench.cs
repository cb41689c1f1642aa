using System.CommandLine;
using Spectre.Console;

namespace DalleOrleans.Client.Bench;

/// <summary>
/// `dalle bench batching`: what continuous batching buys through the cluster. The same request shape (default 4
/// candidates, top 1, a new seed per request so nothing is a cache hit) is sent one at a time, then --concurrency at a
/// time, for the same number of seconds each; the ratio of their images/s is the batching gain.
/// </summary>
public static class BatchingBench
{
    public sealed record Settings(string? Cluster, string Model, int Concurrency, double Seconds, int Candidates, int Top, int Seed)
    {
        public void Validate()
        {
            if (Concurrency is < 2 or > 1024) throw new ArgumentException($"--concurrency is {Concurrency}; it must be between 2 and 1024.");
            if (Seconds is < 1 or > 600 || double.IsNaN(Seconds)) throw new ArgumentException($"--seconds is {Seconds}; it must be between 1 and 600.");
            if (Candidates is < 1 or > 64) throw new ArgumentException($"--candidates is {Candidates}; it must be between 1 and 64.");
            if (Top < 1 || Top > Candidates) throw new ArgumentException($"--top is {Top}; it must be between 1 and --candidates ({Candidates}).");
            if (Seed < 0) throw new ArgumentException($"--seed is {Seed}; it must be 0 or more.");
            if (string.IsNullOrWhiteSpace(Cluster) && !Directory.Exists(Model)) throw new ArgumentException($"--model: the model folder '{Model}' does not exist.");
        }
    }

    public static Command Create()
    {
        var cluster = new Option<string?>("--cluster") { Description = "Redis connection string of a running cluster (default: an embedded silo)." };
        var model = new Option<string>("--model") { Description = "Model folder of the embedded silo.", DefaultValueFactory = _ => "models/shapes-v2" };
        var concurrency = new Option<int>("--concurrency") { Description = "Requests at once in the batched point (2..1024).", DefaultValueFactory = _ => 16 };
        var seconds = new Option<double>("--seconds") { Description = "Seconds per point (1..600).", DefaultValueFactory = _ => 20 };
        var candidates = new Option<int>("--candidates") { Description = "Candidates per request (1..64).", DefaultValueFactory = _ => 4 };
        var top = new Option<int>("--top") { Description = "Images kept per request (1..candidates).", DefaultValueFactory = _ => 1 };
        var seed = new Option<int>("--seed") { Description = "First seed; runs against one cluster need new ones to avoid its cache.", DefaultValueFactory = _ => 0 };
        var json = new Option<string?>("--json") { Description = "Also write the reports as JSON to this file." };
        var command = new Command("batching", "Images/s with --concurrency requests at once vs one at a time, through the cluster.")
            { cluster, model, concurrency, seconds, candidates, top, seed, json };
        command.SetAction(async (p, ct) => await BenchCommand.Guard(async () =>
        {
            var settings = new Settings(p.GetValue(cluster), p.GetValue(model)!, p.GetValue(concurrency), p.GetValue(seconds), p.GetValue(candidates), p.GetValue(top), p.GetValue(seed));
            settings.Validate();
            var (single, batched, ratio) = await RunAsync(settings, ct);
            await BenchCommand.WriteJson(p.GetValue(json), new { reports = new[] { single, batched }, imagesPerSecondRatio = ratio });
            return single.Errors + batched.Errors == 0 ? 0 : 1;
        }));
        return command;
    }

    public static async Task<(LoadReport Single, LoadReport Batched, double Ratio)> RunAsync(Settings s, CancellationToken ct)
    {
        s.Validate();
        await using var connection = await ClusterConnection.OpenAsync(s.Cluster, s.Model, cancellation: ct);
        using var recorder = new StageRecorder();
        var plan = new LoadPlan(1, null, TimeSpan.FromSeconds(s.Seconds), 1_000_000, s.Candidates, s.Top, s.Seed);
        Func<Abstractions.GenerationRequest, CancellationToken, Task<Abstractions.GenerationResult>> generate = (r, token) => connection.Client.GenerateAsync(r, cancellation: token);
        for (int i = 0; i < 3; i++) await generate(plan.RequestFor(0) with { Seed = 987654321 + i }, ct);     // warm-up, not measured

        string load = MachineState.LoadAverage();
        recorder.Clear();
        var cpu = CpuClock.Start();
        var single = await LoadRunner.RunAsync("1 at a time", plan, recorder.Wrap(generate), ct);
        var singleDevice = DeviceTime.From(recorder, single.Seconds, cpu.CoresSince());
        double singleBatch = recorder.MeanBatch;
        recorder.Clear();
        cpu = CpuClock.Start();
        var batched = await LoadRunner.RunAsync($"{s.Concurrency} at a time", plan with { Concurrency = s.Concurrency, Seed0 = s.Seed + 1_000_000 }, recorder.Wrap(generate), ct);
        var batchedDevice = DeviceTime.From(recorder, batched.Seconds, cpu.CoresSince());
        double batchedBatch = recorder.MeanBatch;
        double ratio = single.ImagesPerSecond == 0 ? 0 : batched.ImagesPerSecond / single.ImagesPerSecond;

        AnsiConsole.MarkupLineInterpolated($"load average {load} → {MachineState.LoadAverage()}; {s.Candidates} candidates, top {s.Top}, {s.Seconds:F0} s per point");
        BenchCommand.Print(new[] { single, batched });
        if (connection.Embedded)
            AnsiConsole.MarkupLineInterpolated($"streams per decode step (mean): {singleBatch:F1} one at a time, {batchedBatch:F1} with {s.Concurrency} at a time");
        AnsiConsole.MarkupLineInterpolated($"batching: {s.Concurrency} at a time / 1 at a time, images/s [bold]{ratio:F2}×[/]");

        // The model-level ceiling, measured now on this machine: the bare batching loop kept at the two points' mean
        // streams per step (the embedded silo's; with --cluster, the request's candidates and 32 rows).
        if (!string.IsNullOrWhiteSpace(s.Model) && Directory.Exists(s.Model))
        {
            int low = Math.Max(1, (int)Math.Round(connection.Embedded ? singleBatch : s.Candidates));
            int high = Math.Max(low, (int)Math.Round(connection.Embedded ? batchedBatch : Math.Min(32, s.Candidates * s.Concurrency)));
            Model.TorchRuntime.Initialize();
            using var model = Model.ModelBundle.Load(s.Model, TorchSharp.torch.CPU);
            var window = TimeSpan.FromSeconds(Math.Max(3, s.Seconds / 4));
            double lowRate = ModelCeiling.TokensPerSecond(model, low, window), highRate = ModelCeiling.TokensPerSecond(model, high, window);
            double ceiling = highRate / lowRate;
            AnsiConsole.MarkupLineInterpolated($"model-level ceiling: {high} streams {highRate:F0} tokens/s / {low} streams {lowRate:F0} tokens/s = [bold]{ceiling:F2}×[/]; the service reaches [bold]{ratio / ceiling:P0}[/] of it");
            if (connection.Embedded)
            {
                // Where the gap goes: a step slower than the bare loop's (work beside the loop competing for the cores) or a
                // device thread that is not stepping (waiting for streams: requests in their hops, decode and rerank).
                double beside = ModelCeiling.TokensPerSecondBesideFinishing(model, high, window, batched.CandidatesPerSecond, s.Candidates);
                AnsiConsole.MarkupLineInterpolated($"bare loop at {high} streams with the {s.Concurrency}-at-a-time point's finishing work ({batched.CandidatesPerSecond:F1} candidates/s decoded, reranked, encoded) on a thread beside it: {beside:F0} tokens/s, step {high * 1000.0 / beside:F2} ms ({beside / highRate:P0} of the bare loop's rate)");
                foreach (var (name, device, streams, bareRate) in new[] { ("1 at a time", singleDevice, low, lowRate), ($"{s.Concurrency} at a time", batchedDevice, high, highRate) })
                    AnsiConsole.MarkupLineInterpolated($"{name}: device step {device.MeanStepMs:F2} ms (bare loop at {streams} streams: {streams * 1000.0 / bareRate:F2} ms), device thread stepping {device.SteppingShare:P0} of the time, process CPU {device.Cores:F2} of {Environment.ProcessorCount} cores");
            }
        }
        return (single, batched, ratio);
    }
}

/// <summary>The device thread's decode steps over one load point (embedded silo only): mean step time and the share of the wall clock spent stepping.</summary>
sealed record DeviceTime(double MeanStepMs, double SteppingShare, double Cores)
{
    public static DeviceTime From(StageRecorder recorder, double seconds, double cores)
    {
        var (total, count) = recorder.Totals("device_step");
        return new DeviceTime(count == 0 ? 0 : total / count, seconds <= 0 ? 0 : total / 1000 / seconds, cores);
    }
}
