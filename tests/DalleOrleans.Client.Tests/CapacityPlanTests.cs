using DalleOrleans.Client.Capacity;
using DalleOrleans.Model.Transformer;

namespace DalleOrleans.Client.Tests;

/// <summary>
/// The paper's 12 B model on H100s, as deploy/README.md's capacity section quotes it: these are the numbers the
/// shard planner and the parameter count give, so the README cannot drift from the code.
/// </summary>
public class CapacityPlanTests
{
    static CapacityPlan Paper(int rows = 32) => new(TransformerConfig.Paper, Accelerator.H100, BytesPerValue: 2, BatchRows: rows,
        CandidatesPerRequest: 512, DevicesPerSilo: 8);

    [Fact]
    public void ThePapersModelFitsOneH100WithThirtyTwoRows()
    {
        var plan = Paper();
        Assert.InRange(plan.Parameters / 1e9, 12.2, 12.4);                              // the paper's "12 billion"
        Assert.InRange(plan.WeightBytes / (double)(1L << 30), 22, 23);                   // fp16 weights
        Assert.Equal(2L * 64 * 1280 * 3968 * 2, plan.KvBytesPerStream);                  // K and V, 64 layers, 1280 positions
        Assert.Equal(1, plan.DevicesPerPipeline);
        Assert.Equal(33, plan.MaxRowsOnOneDevice());
        Assert.Equal(8, plan.PipelinesPerSilo);
    }

    [Fact]
    public void MoreRowsThanFitSplitThePipelineOverDevices()
    {
        Assert.Equal(2, Paper(rows: 64).DevicesPerPipeline);
        Assert.Equal(4, Paper(rows: 160).DevicesPerPipeline);
        // Today's executor keeps weights and KV cache in fp32: the same 32 rows then need two GPUs.
        Assert.Equal(2, (Paper() with { BytesPerValue = 4 }).DevicesPerPipeline);
    }

    [Fact]
    public void ShardsExchangeOneHiddenStatePerRowAndStep()
    {
        var plan = Paper();
        Assert.Equal(3968 * 2, plan.ActivationBytesPerRowStep);
        Assert.Equal(3968 * 2 * 32, plan.ActivationBytesPerStep);
        Assert.Equal(3968 * 2 * 257, plan.ActivationBytesPerPrefill);
    }

    [Fact]
    public void DecodeIsMemoryBoundAndSizesTheCluster()
    {
        var plan = Paper();
        Assert.True(plan.BytesReadPerStep / Accelerator.H100.BandwidthBytesPerSecond > plan.FlopsPerStep / Accelerator.H100.Flops);
        Assert.InRange(plan.StepSeconds * 1000, 19, 20);
        Assert.InRange(plan.StepsPerSecond, 50, 53);
        Assert.InRange(plan.RequestSeconds(1), 320, 330);                              // 16 rounds of 32 rows × 1024 steps
        Assert.Equal(plan.DevicesFor(1), (int)Math.Ceiling(1 / plan.RequestsPerSecondPerPipeline));
        Assert.Equal((int)Math.Ceiling(plan.DevicesFor(1) / 8.0), plan.SilosFor(1));
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
        var error = new StringWriter();
        var saved = Console.Error;
        Console.SetError(error);
        try
        {
            int code = await CapacityCommand.Create().Parse(new[] { option, value }).InvokeAsync();
            Assert.Equal(2, code);
        }
        finally { Console.SetError(saved); }
        Assert.Contains(named, error.ToString());
    }
}
