namespace DalleOrleans.Shapes;

/// <summary>
/// Pixel-level colour checks the evaluation reports: how much of an image is painted in the caption's two named
/// colours, and how far a reconstruction's flat regions drift from the exact palette values (tinted white, halos).
/// </summary>
public static class ColorFidelity
{
    /// <summary>A pixel is "in" a colour when every channel is within this many levels (24/255, the tolerance).</summary>
    public const int NamedColorTolerance = 24;

    /// <summary>Share (0..1) of the pixels of <paramref name="rgb"/> within <see cref="NamedColorTolerance"/> per channel of <paramref name="a"/> or <paramref name="b"/>.</summary>
    public static double ShareNear(ReadOnlySpan<byte> rgb, Rgb a, Rgb b, int tolerance = NamedColorTolerance)
    {
        int pixels = rgb.Length / 3, near = 0;
        for (int i = 0; i < pixels; i++)
        {
            int r = rgb[3 * i], g = rgb[3 * i + 1], bl = rgb[3 * i + 2];
            if (Within(a, r, g, bl, tolerance) || Within(b, r, g, bl, tolerance)) near++;
        }
        return pixels == 0 ? 0 : (double)near / pixels;
    }

    static bool Within(Rgb c, int r, int g, int b, int tolerance) =>
        Math.Abs(c.R - r) <= tolerance && Math.Abs(c.G - g) <= tolerance && Math.Abs(c.B - b) <= tolerance;

    /// <summary>
    /// The flat pixels of a true render: those whose whole (2·<paramref name="radius"/>+1)² neighbourhood has exactly
    /// their palette colour (so edges and anti-aliasing are excluded); -1 elsewhere, else the <see cref="ShapeColor"/> index.
    /// </summary>
    public static int[] FlatPixels(ReadOnlySpan<byte> rgb, int width, int height, int radius = 2)
    {
        var flat = new int[width * height];
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                int i = y * width + x;
                flat[i] = -1;
                if (x < radius || y < radius || x >= width - radius || y >= height - radius) continue;
                int color = PaletteIndex(rgb[3 * i], rgb[3 * i + 1], rgb[3 * i + 2]);
                if (color < 0) continue;
                bool same = true;
                for (int dy = -radius; dy <= radius && same; dy++)
                    for (int dx = -radius; dx <= radius && same; dx++)
                    {
                        int j = (y + dy) * width + x + dx;
                        same = rgb[3 * j] == rgb[3 * i] && rgb[3 * j + 1] == rgb[3 * i + 1] && rgb[3 * j + 2] == rgb[3 * i + 2];
                    }
                if (same) flat[i] = color;
            }
        }
        return flat;
    }

    /// <summary>The palette colour with exactly these values, or -1.</summary>
    public static int PaletteIndex(int r, int g, int b)
    {
        foreach (var c in Palette.Colors)
        {
            var v = c.ToRgb();
            if (v.R == r && v.G == g && v.B == b) return (int)c;
        }
        return -1;
    }
}
