using DalleOrleans.Model.Transformer;

namespace DalleOrleans.Model.Tests;

public class ShardPlannerTests
{
    const long GiB = 1L << 30;

    [Fact]
    public void PaperModelFitsOneEightyGigabyteDeviceInBf16()
    {
        var plan = ShardPlanner.Plan(TransformerConfig.Paper, 80 * GiB, bytesPerValue: 2, batchRows: 8);
        Assert.Equal(1, plan.ShardCount);
        Assert.Equal(new LayerRange(0, 64), plan.Shards[0]);
    }

    [Fact]
    public void SmallerDevicesGetContiguousShardsCoveringEveryLayer()
    {
        var plan = ShardPlanner.Plan(TransformerConfig.Paper, 16 * GiB, bytesPerValue: 2, batchRows: 8);
        Assert.InRange(plan.ShardCount, 2, 4);
        Assert.Equal(0, plan.Shards[0].First);
        for (int i = 1; i < plan.ShardCount; i++) Assert.Equal(plan.Shards[i - 1].End, plan.Shards[i].First);
        Assert.Equal(64, plan.Shards[^1].End);
        Assert.All(plan.BytesPerShard, b => Assert.True(b <= 16 * GiB * 0.8));
        // fp32 needs about twice as many shards as bf16.
        Assert.True(ShardPlanner.Plan(TransformerConfig.Paper, 16 * GiB, bytesPerValue: 4, batchRows: 8).ShardCount > plan.ShardCount);
    }

    [Fact]
    public void ADeviceThatCannotHoldOneLayerIsRefusedWithTheSizes()
    {
        var e = Assert.Throws<ArgumentException>(() => ShardPlanner.Plan(TransformerConfig.Paper, 256L << 20));
        Assert.Contains("cannot hold even one layer", e.Message);
        Assert.Contains("MiB", e.Message);
    }

    [Fact]
    public void LayerParametersAgreeWithTheModelsCount()
    {
        var c = TransformerConfig.Paper;
        long embeddingsAndHeads = c.ParameterCount() - c.Layers * ShardPlanner.LayerParameters(c);
        Assert.InRange(embeddingsAndHeads, 1L, 500_000_000L);
    }
}
