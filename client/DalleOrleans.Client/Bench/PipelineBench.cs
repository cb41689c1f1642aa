using System.CommandLine;
using System.Net;
using DalleOrleans.Grains;
using DalleOrleans.Grains.Cache;
using DalleOrleans.Grains.Devices;
using DalleOrleans.Grains.Shards;
using DalleOrleans.Model;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Spectre.Console;

namespace DalleOrleans.Client.Bench;

/// <summary>
/// `dalle bench pipeline`: a model split over two silos (two shard grains, half the layers each, one torch thread per
/// process), with micro-batching (one lane per shard, both shards busy at once) and without it (one lane: the shards
/// take turns), in turns in one run. Reports image tokens/s of each and, from the run without micro-batching, what
/// a hop costs per step: the lanes' time waiting on shards minus the shards' own compute time.
/// </summary>
/// <remarks>
/// Micro-batching is measured two ways, because they answer different questions. At the same step batch (each lane
/// holds <c>--rows</c>, so the pipeline holds twice the streams and each shard twice the KV rows): what overlapping the
/// shards buys when the devices have the memory. At the same rows (<c>Model:MaxBatchRows</c> = <c>--rows</c> split
/// over the two lanes, the same KV memory): bounded by how much cheaper a half-size step is (on a CPU, a batch-16 step
/// costs well over half a batch-32 step; on a memory-bound GPU about as much).
/// </remarks>
public static class PipelineBench
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Model folder.", DefaultValueFactory = _ => "models/shapes-v2" };
        var concurrency = new Option<int>("--concurrency") { Description = "Requests at once (1..256).", DefaultValueFactory = _ => 16 };
        var seconds = new Option<double>("--seconds") { Description = "Seconds per turn (1..600).", DefaultValueFactory = _ => 15 };
        var rounds = new Option<int>("--rounds") { Description = "Turns of each mode (1..10).", DefaultValueFactory = _ => 2 };
        var candidates = new Option<int>("--candidates") { Description = "Candidates per request (1..64).", DefaultValueFactory = _ => 4 };
        var rows = new Option<int>("--rows") { Description = "Rows of one shard step (2..1024): one lane's rows, and Model:MaxBatchRows of the runs without micro-batching.", DefaultValueFactory = _ => 32 };
        var command = new Command("pipeline", "Tokens/s of a two-silo pipeline of shard grains with vs without micro-batching, and the hop's cost.")
            { model, concurrency, seconds, rounds, candidates, rows };
        command.SetAction(async (p, ct) => await BenchCommand.Guard(async () =>
        {
            string folder = p.GetValue(model)!;
            if (!Directory.Exists(folder)) throw new ArgumentException($"--model: the model folder '{folder}' does not exist.");
            int c = p.GetValue(concurrency), r = p.GetValue(rounds), n = p.GetValue(candidates);
            double s = p.GetValue(seconds);
            if (c is < 1 or > 256) throw new ArgumentException($"--concurrency is {c}; it must be between 1 and 256.");
            if (s is < 1 or > 600) throw new ArgumentException($"--seconds is {s}; it must be between 1 and 600.");
            if (r is < 1 or > 10) throw new ArgumentException($"--rounds is {r}; it must be between 1 and 10.");
            if (n is < 1 or > 64) throw new ArgumentException($"--candidates is {n}; it must be between 1 and 64.");
            int stepRows = p.GetValue(rows);
            if (stepRows is < 2 or > 1024) throw new ArgumentException($"--rows is {stepRows}; it must be between 2 and 1024.");
            await RunAsync(folder, c, s, r, n, stepRows, ct);
            return 0;
        }));
        return command;
    }

    /// <summary>One configuration: lanes and the pipeline's rows (Model:MaxBatchRows, split over the lanes).</summary>
    sealed record Mode(string Name, int MicroBatches, int PipelineRows);

    sealed record Turn(Mode Mode, double TokensPerSecond, long Steps, double WaitSeconds, double ComputeSeconds, long ShardCalls, double MeanStreams, double Cores,
        long[] HeldBytes);

    static async Task RunAsync(string folder, int concurrency, double seconds, int rounds, int candidates, int rows, CancellationToken ct)
    {
        TorchRuntime.Initialize(1);                          // one torch thread per process: each shard's device thread is one core
        string load = MachineState.LoadAverage();
        var sameStep = new Mode($"2 lanes × {rows} rows", 2, 2 * rows);
        var sameRows = new Mode($"2 lanes × {rows / 2} rows", 2, rows);
        var single = new Mode($"1 lane × {rows} rows", 1, rows);
        var turns = new List<Turn>();
        int seed = 0;
        for (int round = 0; round < rounds; round++)
            foreach (var mode in new[] { sameStep, sameRows, single })
                turns.Add(await RunTurn(folder, mode, concurrency, seconds, candidates, seed += 100_000, ct));

        AnsiConsole.MarkupLineInterpolated($"load average {load} → {MachineState.LoadAverage()}; 2 silos in one process, 1 torch thread, {concurrency} requests at once, {candidates} candidates each, {seconds:F0} s per turn");
        var table = new Table().AddColumns("mode", "turn", "image tokens/s", "lane steps", "streams per step", "wait on shards s", "shard compute s", "shard calls", "CPU cores");
        foreach (var (t, i) in turns.Select((t, i) => (t, i)))
            table.AddRow(t.Mode.Name, (i / 3 + 1).ToString(), $"{t.TokensPerSecond:F0}", t.Steps.ToString(), $"{t.MeanStreams:F1}", $"{t.WaitSeconds:F2}", $"{t.ComputeSeconds:F2}", t.ShardCalls.ToString(), $"{t.Cores:F2}");
        AnsiConsole.Write(table);
        double Mean(Mode m) => turns.Where(t => t.Mode == m).Average(t => t.TokensPerSecond);
        AnsiConsole.MarkupLineInterpolated($"micro-batching at the same step batch: {sameStep.Name} ÷ {single.Name}, image tokens/s [bold]{Mean(sameStep) / Mean(single):F2}×[/]");
        AnsiConsole.MarkupLineInterpolated($"micro-batching at the same rows (KV memory): {sameRows.Name} ÷ {single.Name}, image tokens/s [bold]{Mean(sameRows) / Mean(single):F2}×[/]");
        // Micro-batching can only use processor time the run without it leaves idle: with every core busy already, the
        // overlap has nothing to run on (on a GPU host each shard has a device of its own).
        double Cores(Mode m) => turns.Where(t => t.Mode == m).Average(t => t.Cores);
        AnsiConsole.MarkupLineInterpolated($"CPU: {single.Name} keeps {Cores(single):F2} of {Environment.ProcessorCount} cores busy, so overlap can add at most {Environment.ProcessorCount / Math.Max(0.01, Cores(single)):F2}× here; {sameStep.Name} keeps {Cores(sameStep):F2} busy");
        var alone = turns.Where(t => t.Mode == single).ToList();
        double stepSeconds = alone.Sum(t => t.WaitSeconds) / alone.Sum(t => t.Steps);
        double hopSeconds = (alone.Sum(t => t.WaitSeconds) - alone.Sum(t => t.ComputeSeconds)) / alone.Sum(t => t.Steps);
        double perCall = (alone.Sum(t => t.WaitSeconds) - alone.Sum(t => t.ComputeSeconds)) / alone.Sum(t => t.ShardCalls);
        // Each silo's device holds only its shard's layers (loaded when the shard grain first ran), never the whole model.
        long wholeBytes = WholeTransformerBytes(folder);
        AnsiConsole.MarkupLineInterpolated($"transformer weights held per silo (float32): {string.Join(" and ", turns[0].HeldBytes.Select(b => $"{b / 1048576.0:F2} MiB"))} of the whole model's {wholeBytes / 1048576.0:F2} MiB");
        AnsiConsole.MarkupLineInterpolated($"hops (1 lane): [bold]{hopSeconds * 1e6:F0} µs per step[/] ({perCall * 1e6:F0} µs per shard call, 2 calls a step: 1 in-silo, 1 to the other silo) = [bold]{hopSeconds / stepSeconds:P0}[/] of a step's {stepSeconds * 1e3:F2} ms");
    }

    static async Task<Turn> RunTurn(string folder, Mode mode, int concurrency, double seconds, int candidates, int seed, CancellationToken ct)
    {
        var config = ModelConfig.Load(Path.Combine(folder, ModelBundle.ConfigFile)).Transformer;
        int half = Math.Max(1, config.Layers / 2);
        int primaryPort = FreePort.Next();
        string cluster = $"pipeline-bench-{Guid.NewGuid():N}";
        var first = await StartSilo(folder, half, mode, primaryPort, null, cluster, ct);
        var second = await StartSilo(folder, half, mode, FreePort.Next(), primaryPort, cluster, ct);
        try
        {
            var client = new GenerationClient(first.Services.GetRequiredService<IGrainFactory>());
            await client.WaitForDevicesAsync(2, TimeSpan.FromSeconds(120), ct);
            var plan = new LoadPlan(concurrency, null, TimeSpan.FromSeconds(seconds), 1_000_000, candidates, 1, seed);
            for (int i = 0; i < 2; i++) await client.GenerateAsync(plan.RequestFor(0) with { Seed = 987654321 + i }, cancellation: ct);   // warm-up
            var hosts = new[] { first, second };
            var drivers = hosts.SelectMany(h => h.Services.GetRequiredService<PipelineDrivers>().All).ToList();
            var stats = hosts.Select(h => h.Services.GetRequiredService<ShardStats>()).ToList();
            (long Steps, double Wait, double Compute, long Calls) Snapshot() =>
                (drivers.Sum(d => d.Steps), drivers.Sum(d => d.ShardWaitSeconds), stats.Sum(s => s.ComputeSeconds), stats.Sum(s => s.Calls));
            var before = Snapshot();
            var cpu = CpuClock.Start();
            var report = await LoadRunner.RunAsync(mode.Name, plan, (r, token) => client.GenerateAsync(r, cancellation: token), ct);
            var after = Snapshot();
            var held = new List<long>();
            foreach (var executor in hosts.Select(h => h.Services.GetRequiredService<DeviceHost>().Executors.Single()))
                held.Add(await executor.Run(model => (model.HoldsTransformer ? model.Transformer.ParameterBytes : 0) + executor.Layers.Bytes));
            long steps = after.Steps - before.Steps;
            double tokens = report.CandidatesPerSecond * config.ImageTokens;
            return new Turn(mode, tokens, steps, after.Wait - before.Wait, after.Compute - before.Compute, after.Calls - before.Calls,
                steps == 0 ? 0 : report.CandidatesPerSecond * config.ImageTokens * report.Seconds / steps, cpu.CoresSince(), held.ToArray());
        }
        finally
        {
            await second.StopAsync(TimeSpan.FromSeconds(30));
            await first.StopAsync(TimeSpan.FromSeconds(30));
            second.Dispose();
            first.Dispose();
        }
    }

    /// <summary>The whole transformer's bytes in float32 (as served), from the checkpoint's header: values × 4.</summary>
    static long WholeTransformerBytes(string folder) =>
        Model.Checkpoints.SafeTensors.ReadHeader(Path.Combine(folder, ModelBundle.TransformerFile)).Entries
            .Sum(e => e.Shape.Aggregate(1L, (a, b) => a * b)) * sizeof(float);

    static async Task<IHost> StartSilo(string folder, int layers, Mode mode, int siloPort, int? primaryPort, string cluster, CancellationToken ct)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace).SetMinimumLevel(LogLevel.Error);
        builder.UseOrleans(silo => silo
            .UseLocalhostClustering(siloPort, FreePort.Next(), primaryPort is { } p ? new IPEndPoint(IPAddress.Loopback, p) : null, cluster, cluster)
            .AddDalleGeneration(new DeviceSettings
            {
                Path = folder, LayersPerDevice = layers, MicroBatches = mode.MicroBatches, MaxBatchRows = mode.PipelineRows, MaxQueuedStreams = 100_000, DrainSeconds = 5,
            }, new CacheSettings()));
        var host = builder.Build();
        await host.StartAsync(ct);
        return host;
    }
}
