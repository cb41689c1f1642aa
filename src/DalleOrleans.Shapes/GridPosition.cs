namespace DalleOrleans.Shapes;

/// <summary>
/// Where the shape sits on a 3×3 grid over the image, in reading order (row-major), so that
/// <c>(int)position == row * 3 + column</c>; <see cref="SceneGeometry.Cell"/> relies on that.
/// </summary>
public enum GridPosition
{
    TopLeft,
    Top,
    TopRight,
    Left,
    Center,
    Right,
    BottomLeft,
    Bottom,
    BottomRight,
}
