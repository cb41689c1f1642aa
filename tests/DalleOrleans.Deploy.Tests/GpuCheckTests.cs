using DalleOrleans.GpuCheck;
using DalleOrleans.Grains.Devices;
using DalleOrleans.Model.Transformer;
using static TorchSharp.torch;

namespace DalleOrleans.Deploy.Tests;

/// <summary>
/// dalle-gpucheck's code paths on the CPU: what a GPU machine runs on cuda:0, here with the CPU as the device under test
/// and a narrow model in the decode section so the test stays in seconds.
/// </summary>
/// <remarks>
/// Runs alone (<see cref="TorchProcessDefaults"/>): <c>DecodeBench.Build</c> sets libtorch's process-wide default dtype
/// to bf16 while it builds, and a silo of another test building tensors at that moment got bf16 ones ("Single is not
/// compatible with BFloat16" in DrainReadinessTests, seen once in the full suite).
/// </remarks>
[Collection(TorchProcessDefaults.Name)]
public class GpuCheckTests
{
    static GpuCheckOptions Narrow(params string[] sections) => new()
    {
        Device = "cpu", ModelPath = Repo.PathOf(new DeviceSettings().Path), Sections = sections.ToHashSet(),
        Layers = 2, ModelDim = 128, Heads = 2, DType = ScalarType.Float32, Batches = new[] { 1, 2 }, Reps = 2,
        CopyBytes = 8 << 20, Python = "",
    };

    [Fact]
    public void DecodeBenchmarkTimesEveryBatchWithBothMaskKindsAgainstTheWeightReadLimit()
    {
        var options = Narrow("decode");
        var result = DecodeBench.Run(options, CPU, _ => { });

        // The weights a step reads, by hand from the sizes (d = 128, two layers, the paper's 8192-token image head):
        // per layer two norms (4d), fused QKV (3d² + 3d), output (d² + d), MLP (4d² + 4d + 4d² + d); then the final norm (2d)
        // and the image head (8192·d + 8192); float32.
        long d = 128, perLayer = 4 * d + 3 * d * d + 3 * d + d * d + d + 8 * d * d + 5 * d;
        long expectBytes = 4 * (2 * perLayer + 2 * d + 8192 * d + 8192);
        Assert.Equal(expectBytes, result.StepWeightBytes);
        Assert.Equal(4, result.ElementSize);

        // Two mask kinds × two batch sizes, each at the paper's mid-image position: [BOS] + 256 text + image token 512.
        Assert.Equal(new[] { ("sparse (paper)", 1), ("sparse (paper)", 2), ("dense causal", 1), ("dense causal", 2) },
            result.Rows.Select(r => (r.Masks, r.Batch)).ToArray());
        Assert.All(result.Rows, r =>
        {
            Assert.Equal(256 + 1 + 512, r.Position);
            Assert.Equal(770, r.KeyLength);
            Assert.True(r.StepMs > 0 && r.StepAndSampleMs > 0);
            Assert.True(r.WeightLimitMs > 0 && r.WeightAndKvLimitMs > r.WeightLimitMs);
        });
        Assert.True(result.Bandwidth.BytesPerSecond > 0);
    }

    [Fact]
    public void NarrowModelIsBuiltInTheRequestedDtypeWithThePapersPattern()
    {
        var options = Narrow("decode");
        var config = DecodeBench.Config(options, dense: false);
        Assert.Equal(TransformerConfig.DefaultPattern(2), config.Attention);       // row, then the convolutional last layer
        using var model = DecodeBench.Build(config, CPU, ScalarType.BFloat16);
        Assert.All(model.parameters(), p => Assert.Equal(ScalarType.BFloat16, p.dtype));
        Assert.Equal(ScalarType.Float32, get_default_dtype());                     // the default is restored afterwards
    }

    [Fact]
    public async Task EverySectionPassesOnTheCpuAndTwoGrainsDrawTheOneGrainImages()
    {
        var options = Narrow("env", "cluster", "two-grains", "decode");
        var run = new GpuCheckRun(options, _ => { });
        string report = await run.RunAsync();

        Assert.True(run.Report.AllPassed, report);
        Assert.Equal(new[] { "shipped model on cpu matches the CPU", "two device grains on one device" },
            run.Report.Checks.Select(c => c.Check).ToArray());
        Assert.Contains("Same images as one grain: yes", report);
        Assert.Contains("Eager baseline skipped: no Python interpreter configured", report);
        Assert.Contains("| sparse (paper) | 2 | 769 (770) |", report);
    }

    [Fact]
    public void EagerBaselineSaysWhyItWasSkippedWhenThereIsNoInterpreter()
    {
        var options = Narrow("decode") with { Python = "/nonexistent/python3", EagerScript = Repo.PathOf("deploy/gpu/eager_step.py") };
        var outcome = EagerBaseline.Run(options, position: 769, threads: 1, TimeSpan.FromSeconds(30));
        Assert.Empty(outcome.MedianMs);
        Assert.Contains("could not be started", outcome.Skipped);
    }
}
