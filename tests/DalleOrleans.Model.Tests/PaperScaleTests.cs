using DalleOrleans.Model.Transformer;
using TorchSharp;
using static TorchSharp.torch;

namespace DalleOrleans.Model.Tests;

public class PaperScaleTests
{
    [Fact]
    public void PaperConfigurationHasAboutTwelveBillionParameters()
    {
        var paper = TransformerConfig.Paper;
        paper.Validate();
        long count = paper.ParameterCount();
        Assert.InRange(count, 11_500_000_000L, 12_500_000_000L);
        Assert.Equal(1280, paper.SequenceLength);
        Assert.Equal(64, paper.HeadDim);
    }

    [Fact]
    public void ParameterCountFormulaMatchesTheModule()
    {
        TorchRuntime.Initialize();
        var config = new TransformerConfig
        {
            TextVocabSize = 30, TextLength = 6, ImageVocabSize = 24, GridSize = 4, ModelDim = 32, Heads = 4, Layers = 3,
            Attention = TransformerConfig.DefaultPattern(3),
        };
        using var model = new DalleTransformer(config);
        long actual = model.parameters().Sum(p => p.NumberOfElements);
        Assert.Equal(config.ParameterCount(), actual);
    }

    [Fact]
    public void OnePaperLayerBuildsAndRunsOnCpu()
    {
        TorchRuntime.Initialize();
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var paper = TransformerConfig.Paper;
        using var block = new TransformerBlock(paper, AttentionKind.Row);
        long layerParams = block.parameters().Sum(p => p.NumberOfElements);
        Assert.InRange(layerParams, 185_000_000L, 195_000_000L);   // ≈ 12·d² per layer
        int T = 12;
        var x = randn(1, T, paper.ModelDim);
        var mask = AttentionMasks.BuildAdditive(paper, AttentionKind.Row, CPU).narrow(0, 0, T).narrow(1, 0, T);
        var y = block.Forward(x, mask, null, 0, null);
        Assert.Equal(new long[] { 1, T, paper.ModelDim }, y.shape);
        Assert.False(y.isnan().any().item<bool>());
    }
}
