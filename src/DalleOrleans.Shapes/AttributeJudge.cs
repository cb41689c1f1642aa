namespace DalleOrleans.Shapes;

/// <summary>
/// Reads a scene's attributes back from pixels alone, deterministically. The evaluation grades generated
/// images with it, so it is built to tolerate what models get wrong: colours are classified to the
/// nearest palette entry, isolated noise is dropped by keeping the largest connected component, the
/// shape's colour is a median over its interior, and the geometry comes from coverage sums rather than
/// single pixels.
/// </summary>
/// <remarks>
/// Steps: (1) background = the palette colour most border pixels are nearest to; (2) shape = the largest
/// 4-connected region of pixels clearly unlike the background; (3) shape colour = nearest palette colour
/// (other than the background) to the per-channel median of that region's interior, which skips the
/// anti-aliased rim; (4) each pixel's coverage = its position on the line from the background colour to
/// the shape colour, 0 to 1, rescaled so the measured background and interior levels read 0 and 1;
/// (5) from the largest region with coverage above ½: size from the widest row and tallest column
/// (coverage sums), kind from the top/bottom balance (a triangle pointing up has a third
/// of its area above its centre) and then from the fill of its bounding box (square ≈ 1, circle ≈ π/4),
/// position from the box centre, snapped to the nearest nominal centre for the judged size.
/// </remarks>
public static class AttributeJudge
{
    /// <summary>Regions smaller than this are noise, not a shape (the smallest real shape has about 100 px).</summary>
    private const int MinShapePixels = 12;

    /// <summary>
    /// Top/bottom area ratio below which (or above whose inverse, a triangle upside down) the shape is a
    /// triangle: rendered triangles measure 0.3 to 0.47, circles and squares 0.83 to 1.25.
    /// </summary>
    private const double TriangleBalance = 0.6;

    /// <summary>Fill between a circle's (π/4, measured 0.79 to 0.80) and a square's (1).</summary>
    private const double SquareFill = 0.89;

    /// <summary>Judges an RGB image (row-major, HWC, 3 bytes a pixel).</summary>
    public static JudgedScene Judge(ReadOnlySpan<byte> rgb, int width = SceneGeometry.ImageSize, int height = SceneGeometry.ImageSize)
    {
        if (width < 3 || height < 3 || rgb.Length < width * height * 3)
        {
            throw new ArgumentException($"a {width}×{height} RGB image needs {width * height * 3} bytes, got {rgb.Length}", nameof(rgb));
        }

        var background = JudgeColors.BorderColor(rgb, width, height);
        var backgroundRgb = background.ToRgb();
        var pixels = width * height;

        // A pixel is clearly not background once it is over halfway to the palette colour nearest the
        // background: the threshold adapts from about 35 (orange next to yellow) to about 80 (black), as
        // far from background noise as the palette allows.
        var threshold = JudgeColors.HalfwayToNearestOther(background);
        var region = new bool[pixels];
        for (var i = 0; i < pixels; i++)
        {
            region[i] = backgroundRgb.DistanceSquared(rgb[3 * i], rgb[3 * i + 1], rgb[3 * i + 2]) > threshold;
        }

        if (PixelComponents.KeepLargest(region, width, height) < MinShapePixels)
        {
            return new JudgedScene(background, null, null, null, null);
        }

        var color = JudgeColors.InteriorColor(rgb, region, width, height, background);
        var coverage = JudgeGeometry.Coverage(rgb, pixels, backgroundRgb, color.ToRgb());
        var solid = new bool[pixels];
        for (var i = 0; i < pixels; i++)
        {
            solid[i] = coverage[i] > 0.5f;
        }

        var solidPixels = PixelComponents.KeepLargest(solid, width, height);
        if (solidPixels < MinShapePixels)
        {
            return new JudgedScene(background, null, null, null, null);
        }

        var m = JudgeGeometry.Measure(coverage, solid, solidPixels, width, height);
        var size = Math.Max(m.Width, m.Height) >= SceneGeometry.SizeThreshold ? ShapeSize.Large : ShapeSize.Small;
        var kind = m.TopBottomRatio < TriangleBalance || m.TopBottomRatio > 1 / TriangleBalance
            ? ShapeKind.Triangle
            : m.Fill >= SquareFill ? ShapeKind.Square : ShapeKind.Circle;
        var position = SceneGeometry.FromCell(
            SceneGeometry.NearestIndex(size, (float)m.CenterX),
            SceneGeometry.NearestIndex(size, (float)m.CenterY));
        return new JudgedScene(background, color, kind, size, position) { Measurements = m };
    }

    /// <summary>Whether every attribute <paramref name="named"/> names agrees with the verdict.</summary>
    public static bool Matches(JudgedScene judged, CaptionAttributes named) => Compare(judged, named).All;

    /// <summary>Attribute by attribute: true/false where the caption names it, null where it does not.</summary>
    public static AttributeAgreement Compare(JudgedScene judged, CaptionAttributes named)
    {
        ArgumentNullException.ThrowIfNull(judged);
        ArgumentNullException.ThrowIfNull(named);
        return new AttributeAgreement(
            named.Kind is null ? null : judged.Kind == named.Kind,
            named.Color is null ? null : judged.Color == named.Color,
            named.Size is null ? null : judged.Size == named.Size,
            named.Position is null ? null : judged.Position == named.Position,
            named.Background is null ? null : judged.Background == named.Background);
    }
}
