namespace DalleOrleans.Shapes;

/// <summary>
/// The judge's geometry: per-pixel coverage between background and shape colour, and the size, balance
/// and fill measurements of the shape region that the kind, size and position are read from.
/// </summary>
internal static class JudgeGeometry
{
    /// <summary>
    /// Each pixel projected onto the line from the background colour (0) to the shape colour (1). For a
    /// rendered image this is exactly Skia's anti-aliasing coverage, because it blends linearly in sRGB.
    /// </summary>
    public static float[] Coverage(ReadOnlySpan<byte> rgb, int pixels, Rgb background, Rgb shape)
    {
        int dr = shape.R - background.R, dg = shape.G - background.G, db = shape.B - background.B;
        var norm = (float)(dr * dr + dg * dg + db * db);
        var coverage = new float[pixels];
        for (var i = 0; i < pixels; i++)
        {
            var dot = (rgb[3 * i] - background.R) * dr + (rgb[3 * i + 1] - background.G) * dg + (rgb[3 * i + 2] - background.B) * db;
            coverage[i] = Math.Clamp(dot / norm, 0f, 1f);
        }

        return coverage;
    }

    /// <summary>
    /// Largest mean of three neighbouring sums in [from, to]. The plain maximum of noisy sums overstates a
    /// square's side (and so understates its fill); averaging three rows barely moves a clean shape's value
    /// because the widest rows of a square, circle or triangle are all next to rows nearly as wide.
    /// </summary>
    private static double SmoothedMax(double[] sums, int from, int to)
    {
        if (to - from < 2)
        {
            return sums.Max();
        }

        var best = double.MinValue;
        for (var i = from + 1; i < to; i++)
        {
            best = Math.Max(best, (sums[i - 1] + sums[i] + sums[i + 1]) / 3);
        }

        return best;
    }

    /// <summary>
    /// The coverage that background and shape interior actually read. On a clean image these are 0 and 1;
    /// on a noisy one, clamping noise into [0, 1] lifts the background and lowers the interior, and the
    /// lift alone would add area to the empty corners of the bounding box and make a triangle read as a
    /// circle. Rescaling by the measured levels removes that bias, and also a shape painted a little off
    /// its palette colour. Background level: mean outside the box grown by two pixels; interior level: mean
    /// over solid pixels whose four neighbours are solid.
    /// </summary>
    private static (double Low, double High) Levels(
        float[] coverage, bool[] solid, int width, int height, int left, int right, int top, int bottom)
    {
        double outside = 0, inside = 0;
        int outsideCount = 0, insideCount = 0;
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var i = y * width + x;
                if (x < left || x > right || y < top || y > bottom)
                {
                    outside += coverage[i];
                    outsideCount++;
                }
                else if (x > 0 && x < width - 1 && y > 0 && y < height - 1 &&
                         solid[i] && solid[i - 1] && solid[i + 1] && solid[i - width] && solid[i + width])
                {
                    inside += coverage[i];
                    insideCount++;
                }
            }
        }

        return (outsideCount > 0 ? outside / outsideCount : 0, insideCount > 0 ? inside / insideCount : 1);
    }

    /// <summary>Geometry of the solid region, with coverage summed over its bounding box plus a one-pixel rim.</summary>
    public static JudgeMeasurements Measure(float[] coverage, bool[] solid, int solidPixels, int width, int height)
    {
        int minX = width, maxX = -1, minY = height, maxY = -1;
        for (var i = 0; i < solid.Length; i++)
        {
            if (solid[i])
            {
                int x = i % width, y = i / width;
                (minX, maxX) = (Math.Min(minX, x), Math.Max(maxX, x));
                (minY, maxY) = (Math.Min(minY, y), Math.Max(maxY, y));
            }
        }

        int left = Math.Max(minX - 1, 0), right = Math.Min(maxX + 1, width - 1);
        int top = Math.Max(minY - 1, 0), bottom = Math.Min(maxY + 1, height - 1);
        var (low, high) = Levels(coverage, solid, width, height, left - 1, right + 1, top - 1, bottom + 1);
        var scale = high - low > 0.2 ? 1 / (high - low) : 1;
        var rowSums = new double[height];
        var columnSums = new double[width];
        for (var y = top; y <= bottom; y++)
        {
            for (var x = left; x <= right; x++)
            {
                var c = (coverage[y * width + x] - low) * scale;
                rowSums[y] += c;
                columnSums[x] += c;
            }
        }

        var widest = SmoothedMax(rowSums, top, bottom);
        var tallest = SmoothedMax(columnSums, left, right);
        var area = rowSums.Sum();

        // The box centre, vertically, from the bottom edge and the tallest single column (smoothing would
        // shorten a triangle's peaked middle column): a triangle's apex is too thin to pass the ½-coverage
        // test, so the solid region's top edge sits a pixel or so too low to use directly.
        var centerY = maxY + 1.0 - columnSums.Max() / 2;
        double upper = 0, lower = 0;
        for (var y = top; y <= bottom; y++)
        {
            // Row y spans [y, y+1); the part of it above the centre counts as upper.
            var above = Math.Clamp(centerY - y, 0, 1);
            upper += rowSums[y] * above;
            lower += rowSums[y] * (1 - above);
        }

        var centerX = (minX + maxX + 1) / 2.0;
        var fill = widest * tallest > 0 ? area / (widest * tallest) : 0;
        var balance = lower > 0 ? upper / lower : double.PositiveInfinity;
        return new JudgeMeasurements(solidPixels, centerX, centerY, widest, tallest, fill, balance);
    }
}
