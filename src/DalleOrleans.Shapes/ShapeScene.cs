namespace DalleOrleans.Shapes;

/// <summary>
/// Everything needed to draw one image: the labels (colours, kind, size, grid position) and the exact
/// geometry they became after jitter. Coordinates are in pixels with (0, 0) at the top-left corner of the
/// top-left pixel, so pixel (x, y) covers [x, x+1) × [y, y+1).
/// </summary>
/// <param name="CenterX">Centre of the shape's bounding box, x.</param>
/// <param name="CenterY">Centre of the shape's bounding box, y.</param>
/// <param name="Side">Side of the shape's (square) bounding box: a circle's diameter, a triangle's base and height.</param>
public sealed record ShapeScene(
    ShapeColor Background,
    ShapeColor Color,
    ShapeKind Kind,
    ShapeSize Size,
    GridPosition Position,
    float CenterX,
    float CenterY,
    float Side)
{
    /// <summary>
    /// The scene with no jitter: the shape at its nominal centre with its nominal side. Handy for tests and
    /// reference images.
    /// </summary>
    public static ShapeScene Nominal(ShapeColor background, ShapeColor color, ShapeKind kind, ShapeSize size, GridPosition position) =>
        Jittered(background, color, kind, size, position, 0f, 0f, 0f);

    /// <summary>
    /// The scene with explicit jitter, each argument clamped to the allowed range (so the shape always
    /// stays inside the image with <see cref="SceneGeometry.Clearance"/> to spare).
    /// </summary>
    public static ShapeScene Jittered(
        ShapeColor background, ShapeColor color, ShapeKind kind, ShapeSize size, GridPosition position,
        float dx, float dy, float dSide)
    {
        if (background == color)
        {
            throw new ArgumentException($"the background must differ from the shape's colour ({color})", nameof(background));
        }

        dx = Math.Clamp(dx, -SceneGeometry.PositionJitter, SceneGeometry.PositionJitter);
        dy = Math.Clamp(dy, -SceneGeometry.PositionJitter, SceneGeometry.PositionJitter);
        dSide = Math.Clamp(dSide, -SceneGeometry.SideJitter, SceneGeometry.SideJitter);
        var (column, row) = SceneGeometry.Cell(position);
        return new ShapeScene(
            background, color, kind, size, position,
            SceneGeometry.NominalCenter(size, column) + dx,
            SceneGeometry.NominalCenter(size, row) + dy,
            SceneGeometry.NominalSide(size) + dSide);
    }

    /// <summary>The labels only, as a caption naming every attribute would give them.</summary>
    public CaptionAttributes Attributes => new(Kind, Color, Size, Position, Background);
}
