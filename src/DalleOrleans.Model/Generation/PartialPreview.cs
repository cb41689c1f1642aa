using DalleOrleans.Model.Imaging;
using static TorchSharp.torch;

namespace DalleOrleans.Model.Generation;

/// <summary>
/// A progressive preview of a candidate that is still being drawn (as min-dalle shows them): the image tokens drawn so
/// far go through the dVAE decoder and the picture fills in from the top, because the transformer writes the token grid
/// in raster order. Rows of pixels that no finished token row covers yet are painted grey.
/// </summary>
public static class PartialPreview
{
    /// <summary>The grey of the part not drawn yet.</summary>
    const float Unfinished = 0.5f;

    /// <summary>When to render previews: every <c>interval</c> tokens, at whole grid rows, <paramref name="perImage"/> times per image.</summary>
    /// <returns>Tokens between previews (a multiple of the grid side), or 0 when previews are off or the grid is too small for them.</returns>
    public static int Interval(int gridSize, int perImage)
    {
        if (gridSize < 1) throw new ArgumentOutOfRangeException(nameof(gridSize), gridSize, "the grid side must be at least 1.");
        if (perImage < 0) throw new ArgumentOutOfRangeException(nameof(perImage), perImage, "previews per image must be 0 or more.");
        if (perImage == 0 || gridSize < 2) return 0;
        // perImage previews strictly inside the image: rows are split into perImage + 1 parts, at least one row each.
        int rows = Math.Max(1, gridSize / (perImage + 1));
        return rows * gridSize;
    }

    /// <summary>PNG of the partly drawn candidate whose first <c>tokensSoFar.Length</c> image tokens are known.</summary>
    public static byte[] Render(ModelBundle model, ReadOnlySpan<int> tokensSoFar)
    {
        int g = model.Config.Dvae.GridSize, total = g * g, known = tokensSoFar.Length;
        int vocab = model.Config.Transformer.ImageVocabSize;
        if (known > total) throw new ArgumentException($"a preview takes at most {total} image tokens; got {known}.", nameof(tokensSoFar));
        var grid = new long[total];
        for (int i = 0; i < known; i++)
        {
            if (tokensSoFar[i] < 0 || tokensSoFar[i] >= vocab)
                throw new ArgumentException($"image token {i} is {tokensSoFar[i]}; it must be in 0..{vocab - 1}.", nameof(tokensSoFar));
            grid[i] = tokensSoFar[i];
        }
        // Positions not drawn yet repeat the row above: the decoder's convolutions see plausible neighbours at the
        // boundary instead of an arbitrary code bleeding into the finished rows. They are greyed out below anyway.
        for (int i = known; i < total; i++) grid[i] = i >= g ? grid[i - g] : 0;

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var image = model.Dvae.Decode(tensor(grid, new long[] { 1, g, g }, device: model.Device))[0].cpu();   // (3, H, W)
        long height = image.shape[1];
        long finishedRows = known / g * (height / g);                 // pixel rows under complete token rows
        if (finishedRows < height) image.narrow(1, finishedRows, height - finishedRows).fill_(Unfinished);
        return PngCodec.Encode(image);
    }
}
