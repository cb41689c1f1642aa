using DalleOrleans.Model;
using DalleOrleans.Model.Transformer;
using static TorchSharp.torch;

namespace DalleOrleans.Benchmarks;

/// <summary>
/// Issue #8 item 1: the KV-cached decode step's achieved FLOP rate (<see cref="DecodeStepCost"/> / median step
/// time) as a share of a large fp32 matmul's rate measured in the same run, at batch 1, 8 and 32, at a
/// mid-image position. The shipped model, then a wider random model (same text and grid) to show how the
/// share scales with width, then where the shipped model's step time goes at batch 32.
/// </summary>
public static class RooflineBench
{
    static readonly int[] Batches = { 1, 8, 32 };

    public static void Run(ModelBundle model, Report report)
    {
        report.Heading("Roofline: decode step vs a large fp32 matmul");
        var peaks = MatmulPeak.Measure(1024, 2048);
        var peak = peaks.MaxBy(p => p.GflopPerSecond)!;
        report.Table(new[] { "reference", "median ms", "GFLOP/s" },
            peaks.Select(p => new[] { $"torch.mm {p.Size}² fp32, {get_num_threads()} thread(s)", Report.F(p.Ms), Report.F(p.GflopPerSecond, 1) }));

        var shipped = model.Config.Transformer;
        var wide = shipped with { ModelDim = 512, Heads = 8, Layers = 8, Attention = TransformerConfig.DefaultPattern(8) };
        var rows = new List<string[]>();
        Measure($"{model.ModelId} ({shipped.ModelDim}×{shipped.Layers})", model.Transformer, peak, rows);
        using (var big = new DalleTransformer(wide))
        {
            big.eval();
            Measure($"random {wide.ModelDim}×{wide.Layers} (scaling check, not shipped)", big, peak, rows);
        }
        report.Table(new[] { "model", "batch", "position (keys)", "MFLOP/step", "median step ms", "GFLOP/s", "share of matmul peak", "ms per row", "same step on 1 thread: ms, share of peak" }, rows);
        report.Note($"FLOPs per step = 2 × rows × [layers × (4d² QKV+out + 2·r·d² MLP + 2·Tk·d attention) + d·K head] (DecodeStepCost); " +
                    $"peak = best matmul above, {Report.F(peak.GflopPerSecond, 1)} GFLOP/s.");

        Profile(shipped, model.Transformer, 32, report);
        report.EndSection();
    }

    static void Measure(string label, DalleTransformer transformer, MatmulPeak.Result peak, List<string[]> rows)
    {
        var config = transformer.Config;
        foreach (int batch in Batches)
        {
            using var rig = new DecodeStepRig(transformer, batch, imageToken: config.ImageTokens / 2);
            int reps = batch <= 8 ? 41 : 21;
            double ms = Timing.MedianMs(() => rig.Step(), warmup: 5, reps: reps);
            double gflops = rig.Flops / (ms * 1e6);
            // The same step on one intra-op thread, against the same (all-thread) peak: does a step this small gain from the pool?
            int threads = get_num_threads();
            string one = "(1 thread configured)";
            if (threads > 1)
            {
                set_num_threads(1);
                try
                {
                    double ms1 = Timing.MedianMs(() => rig.Step(), warmup: 5, reps: reps);
                    one = $"{Report.F(ms1, 3)} ms, {Report.Pct(rig.Flops / (ms1 * 1e6) / peak.GflopPerSecond)}";
                }
                finally { set_num_threads(threads); }
            }
            rows.Add(new[]
            {
                label, batch.ToString(), $"{rig.Position} ({rig.KeyLength})", Report.F(rig.Flops / 1e6, 1), Report.F(ms, 3),
                Report.F(gflops, 2), Report.Pct(gflops / peak.GflopPerSecond), Report.F(ms / batch, 3), one,
            });
        }
    }

    static void Profile(TransformerConfig config, DalleTransformer transformer, int batch, Report report)
    {
        using var rig = new DecodeStepRig(transformer, batch, imageToken: config.ImageTokens / 2);
        double stepMs = Timing.MedianMs(() => rig.Step(), warmup: 5, reps: 21);
        var parts = StepProfile.Measure(config, batch, rig.KeyLength);
        double sum = parts.Where(p => p.InStep).Sum(p => p.MsPerStep);
        var rows = parts.OrderByDescending(p => p.MsPerStep).Select(p => new[]
        {
            p.Name, p.PerStep.ToString(), Report.F(p.UsEach, 1), Report.F(p.MsPerStep, 3), Report.Pct(p.MsPerStep / stepMs),
            p.FlopsEach > 0 ? Report.F(p.FlopsEach / (p.UsEach * 1e3), 2) : "",
        }).ToList();
        rows.Add(new[] { "**sum of parts**", "", "", Report.F(sum, 3), Report.Pct(sum / stepMs), "" });
        rows.Add(new[] { "**measured step** (rest = embedding, positions, masks, dispatch)", "", "", Report.F(stepMs, 3), "100 %", Report.F(rig.Flops / (stepMs * 1e6), 2) });
        report.Note($"Where the {config.ModelDim}×{config.Layers} step's time goes at batch {batch}, position {rig.Position} (each op timed alone with the step's shapes):");
        report.Table(new[] { "op", "per step", "µs each", "ms per step", "share of step", "GFLOP/s" }, rows);
    }
}
