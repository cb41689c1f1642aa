using DalleOrleans.Model.Transformer;

namespace DalleOrleans.Model.Tests;

/// <summary>
/// The exact set of keys each mask kind allows, pinned against tables written out by hand for a 4×4 image grid
/// after 6 text tokens (the paper's figure 11 draws the same masks for a small grid).
/// </summary>
public class AttentionMaskTests
{
    // Stream: 0 = [BOS], 1..6 = text, 7 + k = image token k (k = 0..14; token 15 is never an input).
    static readonly TransformerConfig Grid4 = new()
    {
        TextVocabSize = 10, TextLength = 6, ImageVocabSize = 5, GridSize = 4, ModelDim = 8, Heads = 2, Layers = 1,
        Attention = new[] { AttentionKind.Dense }, ConvKernel = 3,
    };

    static readonly AttentionKind[] AllKinds = Enum.GetValues<AttentionKind>();

    public static TheoryData<AttentionKind> Kinds => new(AllKinds);

    // Row i: the image query holding image token i; column j: image key token j ('x' = allowed).
    // Row (paper): the query's own token and the G = 4 before it in raster order, reaching into the row above.
    static readonly string[] RowTable =
    [
        "x..............",
        "xx.............",
        "xxx............",
        "xxxx...........",
        "xxxxx..........",
        ".xxxxx.........",
        "..xxxxx........",
        "...xxxxx.......",
        "....xxxxx......",
        ".....xxxxx.....",
        "......xxxxx....",
        ".......xxxxx...",
        "........xxxxx..",
        ".........xxxxx.",
        "..........xxxxx",
    ];

    // Column (paper): earlier tokens of the same grid column.
    static readonly string[] ColumnTable =
    [
        "x..............",
        ".x.............",
        "..x............",
        "...x...........",
        "x...x..........",
        ".x...x.........",
        "..x...x........",
        "...x...x.......",
        "x...x...x......",
        ".x...x...x.....",
        "..x...x...x....",
        "...x...x...x...",
        "x...x...x...x..",
        ".x...x...x...x.",
        "..x...x...x...x",
    ];

    // Conv (paper, 3×3): earlier tokens within one row and one column of the query's cell, no wrap-around.
    static readonly string[] ConvTable =
    [
        "x..............",   // (0,0)
        "xx.............",   // (0,1)
        ".xx............",   // (0,2)
        "..xx...........",   // (0,3)
        "xx..x..........",   // (1,0)
        "xxx.xx.........",   // (1,1)
        ".xxx.xx........",   // (1,2)
        "..xx..xx.......",   // (1,3): not token 4 at (1,0), which a modulo wrap would add
        "....xx..x......",   // (2,0)
        "....xxx.xx.....",   // (2,1)
        ".....xxx.xx....",   // (2,2)
        "......xx..xx...",   // (2,3)
        "........xx..x..",   // (3,0)
        "........xxx.xx.",   // (3,1)
        ".........xxx.xx",   // (3,2)
    ];

    // AxialRow (DALLE-pytorch, shapes-v1): earlier tokens of the same grid row only.
    static readonly string[] AxialRowTable =
    [
        "x..............",
        "xx.............",
        "xxx............",
        "xxxx...........",
        "....x..........",
        "....xx.........",
        "....xxx........",
        "....xxxx.......",
        "........x......",
        "........xx.....",
        "........xxx....",
        "........xxxx...",
        "............x..",
        "............xx.",
        "............xxx",
    ];

    static string[] Table(AttentionKind kind) => kind switch
    {
        AttentionKind.Row => RowTable,
        AttentionKind.Column => ColumnTable,
        AttentionKind.Conv => ConvTable,
        AttentionKind.AxialRow => AxialRowTable,
        // Dense: every earlier token.
        _ => Enumerable.Range(0, 15).Select(i => new string('x', i + 1) + new string('.', 14 - i)).ToArray(),
    };

    [Theory]
    [MemberData(nameof(Kinds))]
    public void ImageQueriesSeeExactlyTheHandWrittenTable(AttentionKind kind)
    {
        var table = Table(kind);
        var mask = AttentionMasks.Build(Grid4, kind);
        for (int qi = 0; qi < 15; qi++)
        {
            var seen = new string(Enumerable.Range(0, 15)
                .Select(ki => mask[Grid4.ImagePosition(qi), Grid4.ImagePosition(ki)] ? 'x' : '.').ToArray());
            Assert.True(table[qi] == seen, $"{kind}, image token {qi}: expected {table[qi]}, got {seen}");
        }
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void TextQueriesAreCausalAndImageQueriesSeeAllText(AttentionKind kind)
    {
        var mask = AttentionMasks.Build(Grid4, kind);
        int T = Grid4.SequenceLength, L = Grid4.TextLength;
        for (int q = 0; q < T; q++)
        {
            Assert.True(mask[q, q]);
            for (int k = q + 1; k < T; k++) Assert.False(mask[q, k]);
            for (int k = 0; k <= Math.Min(q, L); k++) Assert.True(mask[q, k]);
        }
        // The last text position (which predicts image token 0) sees text only.
        for (int k = L + 1; k < T; k++) Assert.False(mask[L, k]);
    }

    [Fact]
    public void RowReachesTheCellAboveTheTokenBeingPredictedAndAxialRowDoesNot()
    {
        // The query holding token 8 (row 2, column 0) predicts token 9; the cell above token 9 is token 5.
        int q = Grid4.ImagePosition(8), above = Grid4.ImagePosition(5);
        Assert.True(AttentionMasks.Allows(Grid4, AttentionKind.Row, q, above));
        Assert.False(AttentionMasks.Allows(Grid4, AttentionKind.AxialRow, q, above));
    }

    [Fact]
    public void AdditiveMaskMatchesTheBooleanOne()
    {
        TorchRuntime.Initialize();
        foreach (var kind in AllKinds)
        {
            var allowed = AttentionMasks.Build(Grid4, kind);
            using var additive = AttentionMasks.BuildAdditive(Grid4, kind, TorchSharp.torch.CPU);
            var values = additive.data<float>().ToArray();
            int T = Grid4.SequenceLength;
            for (int q = 0; q < T; q++)
                for (int k = 0; k < T; k++)
                    Assert.Equal(allowed[q, k] ? 0f : float.NegativeInfinity, values[q * T + k]);
        }
    }
}
