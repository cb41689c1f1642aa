using DalleOrleans.Client.Capacity;
using DalleOrleans.Model.Transformer;

namespace DalleOrleans.Client.Tests;

/// <summary>
/// The paper's 12 B model on H100s, as deploy/README.md's capacity section quotes it. Every expected value is worked out
/// by hand in the comments (d = 3968, 64 layers, MLP 4d, 256 text + 1024 image positions, 2 bytes per value, an H100's
/// 80 GiB, 3.35 TB/s and 989 TFLOP/s), not by calling the plan's own formulas.
/// </summary>
public class CapacityPlanTests
{
    static CapacityPlan Paper(int rows = 32) => new(TransformerConfig.Paper, Accelerator.H100, BytesPerValue: 2, BatchRows: rows,
        CandidatesPerRequest: 512, DevicesPerSilo: 8);

    [Fact]
    public void ThePapersModelFitsOneH100WithThirtyTwoRows()
    {
        var plan = Paper();
        // Embeddings: (16384 text + 256 pads + 1 BOS + 257 positions + 8192 image + 2 × 32 rows/columns) × d
        //   = 25154 × 3968 = 99,811,072. A layer: 12d² + 13d = 188,940,288 + 51,584 = 188,991,872; × 64 = 12,095,479,808.
        // Heads: 2d (norm) + (16384 + 8192) × (d + 1) = 7,936 + 97,542,144 = 97,550,080. Sum: 12,292,840,960 (the paper's "12 billion").
        Assert.Equal(12_292_840_960, plan.Parameters);
        Assert.Equal(24_585_681_920, plan.WeightBytes);                                  // × 2 bytes (fp16)
        Assert.Equal(1_300_234_240, plan.KvBytesPerStream);                              // K and V: 2 × 64 layers × 1280 positions × 3968 × 2 bytes
        Assert.Equal(1, plan.DevicesPerPipeline);
        // 80 GiB less the 20 % reserve = 68,719,476,736 bytes; less the weights = 44,133,794,816; / 1,300,234,240 per row = 33.9.
        Assert.Equal(33, plan.MaxRowsOnOneDevice());
        Assert.Equal(8, plan.PipelinesPerSilo);
    }

    [Fact]
    public void MoreRowsThanFitSplitThePipelineOverDevices()
    {
        // 64 rows: 24.59 GB of weights + 64 × 1.30 GB of KV = 107.8 GB > 68.7 GB usable; two halves of 53.9 GB each fit.
        Assert.Equal(2, Paper(rows: 64).DevicesPerPipeline);
        Assert.Equal(4, Paper(rows: 160).DevicesPerPipeline);
        // Today's executor keeps weights and KV cache in fp32: the same 32 rows then need two GPUs.
        Assert.Equal(2, (Paper() with { BytesPerValue = 4 }).DevicesPerPipeline);
    }

    [Fact]
    public void ShardsExchangeOneHiddenStatePerRowAndStep()
    {
        var plan = Paper();
        Assert.Equal(7_936, plan.ActivationBytesPerRowStep);                            // 3968 values × 2 bytes
        Assert.Equal(253_952, plan.ActivationBytesPerStep);                              // × 32 rows
        Assert.Equal(2_039_552, plan.ActivationBytesPerPrefill);                         // × 257 positions (BOS and 256 text)
    }

    [Fact]
    public void DecodeIsMemoryBoundAndSizesTheCluster()
    {
        var plan = Paper();
        // A step reads the weights and 32 rows of KV: 24,585,681,920 + 32 × 1,300,234,240 = 66,193,177,600 bytes,
        // / 3.35e12 B/s = 19.759 ms; its compute, 2 × 12,292,840,960 × 32 = 7.87e11 FLOP / 989e12 = 0.80 ms, is smaller.
        Assert.Equal(66_193_177_600, plan.BytesReadPerStep);
        Assert.Equal(19.759, plan.StepSeconds * 1000, precision: 3);
        Assert.Equal(50.61, plan.StepsPerSecond, precision: 2);                          // 1 / 19.759 ms
        Assert.Equal(323.7, plan.RequestSeconds(1), precision: 1);                       // 512 / 32 = 16 rounds × 1024 steps × 19.759 ms
        // One pipeline finishes a 512-candidate request every 323.7 s: 1 request/s needs ⌈323.7⌉ = 324 one-GPU pipelines,
        // and with 8 GPUs a silo, ⌈324 / 8⌉ = 41 silos.
        Assert.Equal(324, plan.DevicesFor(1));
        Assert.Equal(41, plan.SilosFor(1));
    }

    [Fact]
    public void TheCommandPrintsThePlan()
    {
        var output = new StringWriter();
        CapacityCommand.Print(Paper(), 1, output);
        string text = output.ToString();
        Assert.Contains("12.", text);
        Assert.Contains("shards per pipeline (ShardPlanner, 20% reserve): 1", text);
        Assert.Contains("7,936 bytes per row per step", text.Replace('\u00a0', ','));
    }

    [Theory]
    [InlineData("--rows", "0", "--rows")]
    [InlineData("--bytes", "3", "--bytes")]
    [InlineData("--model", "/nonexistent", "--model")]
    [InlineData("--gpu-memory-gib", "0.001", "device memory")]
    public async Task BadOptionsAreUsageErrorsNamingTheOption(string option, string value, string named)
    {
        var run = new CapturedTerminal();
        Assert.Equal(2, await run.InvokeAsync("capacity", option, value));
        Assert.StartsWith("error: ", Assert.Single(run.ErrorLines));
        Assert.Contains(named, run.Error.ToString());
        Assert.Equal("", run.Out.ToString());
    }
}
