namespace DalleOrleans.Shapes;

/// <summary>
/// What <see cref="AttributeJudge"/> reads from an image. The shape's attributes are null when it finds no
/// shape at all (say, a generated image that is background only).
/// </summary>
public sealed record JudgedScene(
    ShapeColor Background,
    ShapeColor? Color,
    ShapeKind? Kind,
    ShapeSize? Size,
    GridPosition? Position)
{
    public bool HasShape => Kind is not null;

    /// <summary>The numbers behind the verdict, for debugging thresholds; null when no shape was found.</summary>
    public JudgeMeasurements? Measurements { get; init; }

    /// <summary>The verdict in the same form as a caption's attributes.</summary>
    public CaptionAttributes Attributes => new(Kind, Color, Size, Position, Background);
}

/// <summary>The measurements the judge classified.</summary>
/// <param name="PixelCount">Pixels in the shape's largest connected component (coverage above one half).</param>
/// <param name="CenterX">Bounding-box centre, x, in pixels.</param>
/// <param name="CenterY">Bounding-box centre, y, in pixels.</param>
/// <param name="Width">Widest row, summed coverage, in pixels.</param>
/// <param name="Height">Tallest column, summed coverage, in pixels.</param>
/// <param name="Fill">Covered area over Width × Height: about 1 for a square, π/4 for a circle, ½ for a triangle.</param>
/// <param name="TopBottomRatio">Covered area above the centre over the area below: about 1 for a square or circle, ⅓ for a triangle pointing up.</param>
public sealed record JudgeMeasurements(
    int PixelCount, double CenterX, double CenterY, double Width, double Height, double Fill, double TopBottomRatio);
