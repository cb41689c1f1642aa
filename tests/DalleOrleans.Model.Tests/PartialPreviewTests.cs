using DalleOrleans.Model.Generation;
using DalleOrleans.Model.Imaging;

namespace DalleOrleans.Model.Tests;

public class PartialPreviewTests
{
    [Theory]
    [InlineData(8, 3, 16)]      // the shipped 8×8 grid: previews after rows 2, 4 and 6
    [InlineData(32, 3, 256)]    // the paper's 32×32 grid: every 8 rows
    [InlineData(4, 3, 4)]       // a grid smaller than the previews asked for: one row each
    [InlineData(8, 0, 0)]       // off
    [InlineData(1, 3, 0)]       // a one-token image has no "partly drawn" state
    public void PreviewsComeAtWholeGridRows(int grid, int perImage, int expected) =>
        Assert.Equal(expected, PartialPreview.Interval(grid, perImage));

    [Fact]
    public void APreviewDecodesTheDrawnRowsAndGreysOutTheRest()
    {
        using var model = TinyModel.Create();
        int g = model.Config.Dvae.GridSize, size = model.Config.Dvae.ImageSize, rowPixels = size / g;
        var tokens = Enumerable.Range(0, 2 * g).Select(i => i % model.Config.Transformer.ImageVocabSize).ToArray();   // two rows drawn

        var (rgb, w, h) = PngCodec.DecodeRgb(PartialPreview.Render(model, tokens));

        Assert.Equal((size, size), (w, h));
        byte Pixel(int x, int y, int c) => rgb[(y * w + x) * 3 + c];
        for (int y = 2 * rowPixels; y < h; y++)
            for (int x = 0; x < w; x++)
                Assert.All(new[] { 0, 1, 2 }, c => Assert.Equal(128, Pixel(x, y, c)));
        // The drawn rows are the decoder's output, not the grey fill (a random decoder never paints exact 50 % grey everywhere).
        bool decoded = Enumerable.Range(0, 2 * rowPixels).Any(y => Enumerable.Range(0, w).Any(x => Pixel(x, y, 0) != 128 || Pixel(x, y, 1) != 128));
        Assert.True(decoded);
    }

    [Fact]
    public void BadTokensAreRefusedNamingTheLimit()
    {
        using var model = TinyModel.Create();
        int vocab = model.Config.Transformer.ImageVocabSize, total = model.Config.Transformer.ImageTokens;
        var e = Assert.Throws<ArgumentException>(() => PartialPreview.Render(model, new[] { 0, vocab }));
        Assert.Contains($"0..{vocab - 1}", e.Message);
        e = Assert.Throws<ArgumentException>(() => PartialPreview.Render(model, new int[total + 1]));
        Assert.Contains($"at most {total}", e.Message);
    }
}
