namespace DalleOrleans.Shapes;

/// <summary>
/// The numbers that place a shape in the image, shared by the sampler (which draws scenes) and the judge
/// (which reads them back), so the two cannot drift apart.
/// </summary>
/// <remarks>
/// A shape's nominal centre on each axis is the middle of its third of the image, moved inward just far
/// enough that the largest shape of its size, jittered as far as allowed, keeps <see cref="Clearance"/>
/// pixels from the edge. That gives small shapes centres 13.5 / 32 / 50.5 and large ones 21.5 / 32 / 42.5.
/// </remarks>
public static class SceneGeometry
{
    /// <summary>Width and height of every image.</summary>
    public const int ImageSize = 64;

    /// <summary>How far (px, each axis, uniform) the centre moves from its nominal place.</summary>
    public const float PositionJitter = 3f;

    /// <summary>How far (px, uniform) the side moves from its nominal length, so sizes are not pixel-exact copies.</summary>
    public const float SideJitter = 1f;

    /// <summary>
    /// Empty pixels kept between a shape's bounding box and the image edge. One would do in exact
    /// arithmetic; two leaves room for anti-aliasing so the border row and column stay pure background.
    /// </summary>
    public const float Clearance = 2f;

    /// <summary>Bounding-box side between the two sizes; the judge calls anything at least this big large.</summary>
    public const float SizeThreshold = 24f;

    public static float NominalSide(ShapeSize size) => size switch
    {
        ShapeSize.Small => 16f,
        ShapeSize.Large => 32f,
        _ => throw new ArgumentOutOfRangeException(nameof(size), size, null),
    };

    /// <summary>Nominal centre coordinate, on either axis, of grid index 0, 1 or 2 for a shape of this size.</summary>
    public static float NominalCenter(ShapeSize size, int index)
    {
        if (index is < 0 or > 2)
        {
            throw new ArgumentOutOfRangeException(nameof(index), index, "grid index is 0, 1 or 2");
        }

        var third = (index + 0.5f) * ImageSize / 3f;
        var lowest = (NominalSide(size) + SideJitter) / 2f + Clearance + PositionJitter;
        return Math.Clamp(third, lowest, ImageSize - lowest);
    }

    /// <summary>Grid index (0, 1, 2) whose nominal centre, for this size, is nearest <paramref name="coordinate"/>.</summary>
    public static int NearestIndex(ShapeSize size, float coordinate)
    {
        var best = 0;
        var bestDistance = float.MaxValue;
        for (var i = 0; i < 3; i++)
        {
            var distance = Math.Abs(coordinate - NominalCenter(size, i));
            if (distance < bestDistance)
            {
                bestDistance = distance;
                best = i;
            }
        }

        return best;
    }

    /// <summary>The (column, row) of a grid position, each 0, 1 or 2.</summary>
    public static (int Column, int Row) Cell(GridPosition position) => ((int)position % 3, (int)position / 3);

    public static GridPosition FromCell(int column, int row)
    {
        if (column is < 0 or > 2 || row is < 0 or > 2)
        {
            throw new ArgumentOutOfRangeException(nameof(column), $"cell ({column}, {row}) is outside the 3×3 grid");
        }

        return (GridPosition)(row * 3 + column);
    }
}
