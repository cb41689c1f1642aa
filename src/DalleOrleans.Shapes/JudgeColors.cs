namespace DalleOrleans.Shapes;

/// <summary>The judge's colour readings: the background from the border, the shape from its interior.</summary>
internal static class JudgeColors
{
    /// <summary>Squared half distance from <paramref name="background"/> to the nearest other palette colour.</summary>
    public static int HalfwayToNearestOther(ShapeColor background)
    {
        var nearest = int.MaxValue;
        foreach (var other in Palette.Colors)
        {
            if (other != background)
            {
                nearest = Math.Min(nearest, background.ToRgb().DistanceSquared(other.ToRgb()));
            }
        }

        return nearest / 4;
    }

    /// <summary>
    /// The palette colour most border pixels are nearest to: a vote rather than an average, because a
    /// generated shape may spill onto the border and a vote shrugs that off.
    /// </summary>
    public static ShapeColor BorderColor(ReadOnlySpan<byte> rgb, int width, int height)
    {
        Span<int> votes = stackalloc int[Palette.Colors.Count];
        for (var y = 0; y < height; y++)
        {
            // Every pixel of the top and bottom rows, only the ends of the rows between.
            var step = y == 0 || y == height - 1 ? 1 : width - 1;
            for (var x = 0; x < width; x += step)
            {
                var i = 3 * (y * width + x);
                votes[(int)Palette.Nearest(rgb[i], rgb[i + 1], rgb[i + 2])]++;
            }
        }

        var best = 0;
        for (var c = 1; c < votes.Length; c++)
        {
            if (votes[c] > votes[best])
            {
                best = c;
            }
        }

        return (ShapeColor)best;
    }

    /// <summary>Nearest palette colour to the median of the region's interior (pixels whose four neighbours are in it too).</summary>
    public static ShapeColor InteriorColor(ReadOnlySpan<byte> rgb, bool[] region, int width, int height, ShapeColor background)
    {
        var interior = new bool[region.Length];
        var count = 0;
        for (var y = 1; y < height - 1; y++)
        {
            for (var x = 1; x < width - 1; x++)
            {
                var i = y * width + x;
                if (region[i] && region[i - 1] && region[i + 1] && region[i - width] && region[i + width])
                {
                    interior[i] = true;
                    count++;
                }
            }
        }

        // A thin region has no interior; its rim is then the best evidence there is.
        var chosen = count > 0 ? interior : region;
        Span<int> histogram = stackalloc int[3 * 256];
        var total = 0;
        for (var i = 0; i < chosen.Length; i++)
        {
            if (chosen[i])
            {
                histogram[rgb[3 * i]]++;
                histogram[256 + rgb[3 * i + 1]]++;
                histogram[512 + rgb[3 * i + 2]]++;
                total++;
            }
        }

        return Palette.Nearest(
            Median(histogram[..256], total), Median(histogram.Slice(256, 256), total), Median(histogram[512..], total),
            exclude: background);
    }

    private static int Median(ReadOnlySpan<int> histogram, int total)
    {
        var seen = 0;
        for (var v = 0; v < histogram.Length; v++)
        {
            seen += histogram[v];
            if (2 * seen >= total)
            {
                return v;
            }
        }

        return histogram.Length - 1;
    }
}
