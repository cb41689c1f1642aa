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
        var peak = peaks[0];   // 1024²: short enough to interleave with the steps below
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
        report.Table(new[] { "model", "batch", "position (keys)", "MFLOP/step", "median step ms", "GFLOP/s", "matmul GFLOP/s (interleaved)", "share of matmul rate", "ms per row", "same step on 1 thread: ms, share of matmul rate" }, rows);
        report.Note($"FLOPs per step = 2 × rows × [layers × (4d² QKV+out + 2·r·d² MLP + 2·Tk·d attention) + d·K head] (DecodeStepCost); " +
                    $"the reference is a {peak.Size}² fp32 mm at the configured threads, timed in turn with each step (median of each), so both see the same load; " +
                    "the 1-thread column divides by the same all-thread matmul rate.");

        Profile(shipped, model.Transformer, 32, report);
        report.EndSection();
    }

    static void Measure(string label, DalleTransformer transformer, MatmulPeak.Result peak, List<string[]> rows)
    {
        var config = transformer.Config;
        int threads = get_num_threads();
        using var scope = NewDisposeScope();
        var a = randn(peak.Size, peak.Size);
        var b = randn(peak.Size, peak.Size);
        double mmFlops = 2.0 * peak.Size * peak.Size * peak.Size;
        foreach (int batch in Batches)
        {
            using var rig = new DecodeStepRig(transformer, batch, imageToken: config.ImageTokens / 2);
            // The reference matmul, the step, and the same step on one intra-op thread, timed in turn: the shares
            // are ratios of samples taken under the same background load.
            void OneThread()
            {
                set_num_threads(1);
                try { rig.Step(); }
                finally { set_num_threads(threads); }
            }
            var bodies = threads > 1 ? new Action[] { () => mm(a, b), () => rig.Step(), OneThread } : new Action[] { () => mm(a, b), () => rig.Step() };
            var ms = Timing.InterleavedMedianMs(warmup: 3, reps: batch <= 8 ? 31 : 21, bodies);
            double peakRate = mmFlops / (ms[0] * 1e6), rate = rig.Flops / (ms[1] * 1e6);
            string one = threads > 1 ? $"{Report.F(ms[2], 3)} ms, {Report.Pct(rig.Flops / (ms[2] * 1e6) / peakRate)}" : "(1 thread configured)";
            rows.Add(new[]
            {
                label, batch.ToString(), $"{rig.Position} ({rig.KeyLength})", Report.F(rig.Flops / 1e6, 1), Report.F(ms[1], 3),
                Report.F(rate, 2), Report.F(peakRate, 1), Report.Pct(rate / peakRate), Report.F(ms[1] / batch, 3), one,
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
