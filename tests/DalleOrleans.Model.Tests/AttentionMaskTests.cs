using DalleOrleans.Model.Transformer;

namespace DalleOrleans.Model.Tests;

/// <summary>The exact set of positions each mask kind allows, on a 3×3 grid with two text tokens.</summary>
public class AttentionMaskTests
{
    // Stream: 0 = [BOS], 1..2 = text, 3 + k = image token k (k = 0..7; token 8 is never an input).
    static readonly TransformerConfig Small = new()
    {
        TextVocabSize = 10, TextLength = 2, ImageVocabSize = 5, GridSize = 3, ModelDim = 8, Heads = 2, Layers = 1,
        Attention = new[] { AttentionKind.Dense }, ConvKernel = 3,
    };

    static int[] Allowed(AttentionKind kind, int q) =>
        Enumerable.Range(0, Small.SequenceLength).Where(k => AttentionMasks.Allows(Small, kind, q, k)).ToArray();

    [Theory]
    [InlineData(AttentionKind.Dense)]
    [InlineData(AttentionKind.Row)]
    [InlineData(AttentionKind.Column)]
    [InlineData(AttentionKind.Conv)]
    public void TextQueriesAreCausalOverTextForEveryKind(AttentionKind kind)
    {
        Assert.Equal(new[] { 0 }, Allowed(kind, 0));
        Assert.Equal(new[] { 0, 1 }, Allowed(kind, 1));
        Assert.Equal(new[] { 0, 1, 2 }, Allowed(kind, 2));
    }

    [Fact]
    public void CentreTokenSeesExactlyWhatEachKindAllows()
    {
        int q = Small.ImagePosition(4);                        // grid row 1, column 1 → position 7
        Assert.Equal(7, q);
        Assert.Equal(new[] { 0, 1, 2, 3, 4, 5, 6, 7 }, Allowed(AttentionKind.Dense, q));
        Assert.Equal(new[] { 0, 1, 2, 6, 7 }, Allowed(AttentionKind.Row, q));        // tokens 3, 4
        Assert.Equal(new[] { 0, 1, 2, 4, 7 }, Allowed(AttentionKind.Column, q));     // tokens 1, 4
        Assert.Equal(new[] { 0, 1, 2, 3, 4, 5, 6, 7 }, Allowed(AttentionKind.Conv, q)); // tokens 0..4: all within 1 row/col
    }

    [Fact]
    public void ConvolutionalMaskStopsAtTheNeighbourhood()
    {
        int q = Small.ImagePosition(7);                        // row 2, column 1 → position 10
        // Neighbours with |Δrow| ≤ 1 and |Δcol| ≤ 1 at or before token 7: tokens 3, 4, 5, 6, 7 (not 0, 1, 2 in row 0).
        Assert.Equal(new[] { 0, 1, 2, 6, 7, 8, 9, 10 }, Allowed(AttentionKind.Conv, q));
        Assert.Equal(new[] { 0, 1, 2, 9, 10 }, Allowed(AttentionKind.Row, q));       // tokens 6, 7
        Assert.Equal(new[] { 0, 1, 2, 4, 7, 10 }, Allowed(AttentionKind.Column, q)); // tokens 1, 4, 7
    }

    [Theory]
    [InlineData(AttentionKind.Dense)]
    [InlineData(AttentionKind.Row)]
    [InlineData(AttentionKind.Column)]
    [InlineData(AttentionKind.Conv)]
    public void EveryMaskIsCausalAndLetsEachQuerySeeItselfAndAllText(AttentionKind kind)
    {
        var mask = AttentionMasks.Build(Small, kind);
        for (int q = 0; q < Small.SequenceLength; q++)
        {
            Assert.True(mask[q, q]);
            for (int k = q + 1; k < Small.SequenceLength; k++) Assert.False(mask[q, k]);
            for (int k = 0; k <= Math.Min(q, Small.TextLength); k++) Assert.True(mask[q, k]);
        }
    }

    [Fact]
    public void AdditiveMaskMatchesTheBooleanOne()
    {
        TorchRuntime.Initialize();
        var allowed = AttentionMasks.Build(Small, AttentionKind.Row);
        using var additive = AttentionMasks.BuildAdditive(Small, AttentionKind.Row, TorchSharp.torch.CPU);
        var values = additive.data<float>().ToArray();
        int T = Small.SequenceLength;
        for (int q = 0; q < T; q++)
            for (int k = 0; k < T; k++)
                Assert.Equal(allowed[q, k] ? 0f : float.NegativeInfinity, values[q * T + k]);
    }
}
