using System.CommandLine;
using DalleOrleans.Model;
using DalleOrleans.Model.Transformer;

namespace DalleOrleans.Client.Capacity;

/// <summary>
/// `dalle capacity`: the <see cref="CapacityPlan"/> of a model (the paper's 12 B preset, or a model folder's config) on
/// an accelerator: GPUs and silos, KV cache per stream, traffic between shards, decode steps per second.
/// deploy/README.md quotes its output for the paper's model on H100s.
/// </summary>
public static class CapacityCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "'paper' (the 12 B preset) or a model folder (its config.json).", DefaultValueFactory = _ => "paper" };
        var memory = new Option<double>("--gpu-memory-gib") { Description = "Memory of one GPU in GiB.", DefaultValueFactory = _ => 80 };
        var bandwidth = new Option<double>("--bandwidth-tbps") { Description = "Memory bandwidth of one GPU in TB/s.", DefaultValueFactory = _ => 3.35 };
        var tflops = new Option<double>("--tflops") { Description = "Dense fp16 TFLOP/s of one GPU.", DefaultValueFactory = _ => 989 };
        var bytes = new Option<int>("--bytes") { Description = "Bytes per weight and KV value: 2 (fp16/bf16) or 4 (fp32).", DefaultValueFactory = _ => 2 };
        var rows = new Option<int>("--rows") { Description = "KV-cache rows per pipeline (Model:MaxBatchRows).", DefaultValueFactory = _ => 32 };
        var candidates = new Option<int>("--candidates") { Description = "Candidates per request (the paper: 512).", DefaultValueFactory = _ => 512 };
        var perSilo = new Option<int>("--gpus-per-silo") { Description = "GPUs per silo (one node).", DefaultValueFactory = _ => 8 };
        var target = new Option<double>("--target-rps") { Description = "Requests per second to size the cluster for.", DefaultValueFactory = _ => 1 };
        var command = new Command("capacity", "Work out GPUs, silos and throughput for a model on paper (shard planner + roofline).")
            { model, memory, bandwidth, tflops, bytes, rows, candidates, perSilo, target };
        command.SetAction(p =>
        {
            try
            {
                var config = LoadConfig(p.GetValue(model)!);
                var device = new Accelerator($"{p.GetValue(memory):0.#} GiB GPU", (long)(Positive(p.GetValue(memory), "--gpu-memory-gib") * (1L << 30)),
                    Positive(p.GetValue(bandwidth), "--bandwidth-tbps") * 1e12, Positive(p.GetValue(tflops), "--tflops") * 1e12);
                if (p.GetValue(bytes) is not (1 or 2 or 4)) throw new ArgumentException($"--bytes is {p.GetValue(bytes)}; it must be 1, 2 or 4.");
                if (p.GetValue(rows) is < 1 or > 4096) throw new ArgumentException($"--rows is {p.GetValue(rows)}; it must be between 1 and 4096.");
                if (p.GetValue(candidates) < 1) throw new ArgumentException("--candidates must be at least 1.");
                if (p.GetValue(perSilo) < 1) throw new ArgumentException("--gpus-per-silo must be at least 1.");
                var plan = new CapacityPlan(config, device, p.GetValue(bytes), p.GetValue(rows), p.GetValue(candidates), p.GetValue(perSilo));
                // Rendered whole before anything is printed: a plan that fails half-way (the model does not fit) prints only its error.
                var text = new StringWriter();
                Print(plan, Positive(p.GetValue(target), "--target-rps"), text);
                Terminal.Current.Out.Write(text.ToString());
                return 0;
            }
            catch (ArgumentException e)
            {
                Terminal.Current.Fail(e.Message);
                return Cli.Usage;
            }
        });
        return command;
    }

    static double Positive(double value, string option) =>
        value > 0 && double.IsFinite(value) ? value : throw new ArgumentException($"{option} is {value}; it must be a positive number.");

    static TransformerConfig LoadConfig(string model)
    {
        if (model == "paper") return TransformerConfig.Paper;
        string path = Path.Combine(model, "config.json");
        if (!File.Exists(path)) throw new ArgumentException($"--model: '{model}' is neither 'paper' nor a model folder with config.json.");
        try { return ModelConfig.Load(path).Transformer; }
        catch (InvalidDataException e) { throw new ArgumentException($"--model: {e.Message}"); }
    }

    public static void Print(CapacityPlan plan, double targetRps, TextWriter output)
    {
        static string GiB(double b) => $"{b / (1L << 30):F1} GiB";
        var c = plan.Config;
        output.WriteLine($"model: {c.Layers} layers, d_model {c.ModelDim}, {c.SequenceLength} tokens ({c.TextLength + 1} text + {c.ImageTokens - 1} image inputs), {plan.Parameters / 1e9:F2} B parameters");
        output.WriteLine($"device: {plan.Device.Name}, {plan.Device.BandwidthBytesPerSecond / 1e12:F2} TB/s, {plan.Device.Flops / 1e12:F0} TFLOP/s; {plan.BytesPerValue} bytes per value; {plan.BatchRows} rows per pipeline");
        output.WriteLine($"weights: {GiB(plan.WeightBytes)}; KV cache per candidate stream: {GiB(plan.KvBytesPerStream)} ({plan.BatchRows} rows: {GiB((double)plan.KvBytesPerStream * plan.BatchRows)})");
        output.WriteLine($"shards per pipeline (ShardPlanner, 20% reserve): {plan.DevicesPerPipeline} → {string.Join(", ", plan.Shards.Shards.Zip(plan.Shards.BytesPerShard, (r, b) => $"{r} ({GiB(b)})"))}");
        output.WriteLine($"most rows next to the whole model on one device: {plan.MaxRowsOnOneDevice()}");
        output.WriteLine($"between shards: {plan.ActivationBytesPerRowStep:N0} bytes per row per step, {plan.ActivationBytesPerStep / 1024.0:F0} KiB per step, " +
                         $"{plan.ActivationBytesPerStep * plan.StepsPerSecond / 1e6:F1} MB/s per boundary; prefill {plan.ActivationBytesPerPrefill / 1024.0 / 1024:F2} MiB per stream");
        output.WriteLine($"decode step: reads {plan.BytesReadPerStep / 1e9:F1} GB, {plan.FlopsPerStep / 1e12:F2} TFLOP → {plan.StepSeconds * 1000:F1} ms, {plan.StepsPerSecond:F0} steps/s, " +
                         $"{plan.ImageTokensPerSecondPerPipeline:F0} image tokens/s per pipeline");
        output.WriteLine($"per pipeline: {plan.CandidatesPerSecondPerPipeline:F2} candidates/s = {plan.RequestsPerSecondPerPipeline * 3600:F1} requests/h of {plan.CandidatesPerRequest} candidates; " +
                         $"one request alone: {plan.RequestSeconds(1):F0} s");
        output.WriteLine($"pipelines per silo ({plan.DevicesPerSilo} GPUs): {plan.PipelinesPerSilo}; one request on one silo's pipelines: {plan.RequestSeconds(plan.PipelinesPerSilo):F0} s");
        output.WriteLine($"for {targetRps} requests/s: {plan.DevicesFor(targetRps)} GPUs in {plan.SilosFor(targetRps)} silos");
        PrintCardSplits(plan, output);
    }

    /// <summary>Common card sizes: how the model splits into shard grains, and the silo setting that asks for it.</summary>
    public static readonly int[] CardGiB = { 24, 48, 80 };

    static void PrintCardSplits(CapacityPlan plan, TextWriter output)
    {
        output.WriteLine($"split over cards ({plan.BytesPerValue} bytes per value, {plan.BatchRows} rows, 20% reserve):");
        foreach (int gib in CardGiB)
        {
            ShardPlan shards;
            try { shards = ShardPlanner.Plan(plan.Config, (long)gib << 30, plan.BytesPerValue, plan.BatchRows); }
            catch (ArgumentException e) { output.WriteLine($"  {gib} GiB: does not fit ({e.Message})"); continue; }
            int most = Grains.Devices.DeviceHost.SafeLayersPerDevice(shards, plan.Config.Layers);
            output.WriteLine($"  {gib} GiB: {shards.ShardCount} shard(s) per pipeline: {string.Join(", ", shards.Shards)}; " +
                             (shards.ShardCount == 1 ? "every layer on one card (no setting needed)"
                                                     : $"set Model:DeviceMemoryGb={gib} (or Model:LayersPerDevice={most}) on the silos"));
        }
    }
}
