namespace DalleOrleans.Shapes;

/// <summary>
/// The two sizes: the side of the shape's bounding box is about 16 px (small) or 32 px (large);
/// <see cref="SceneGeometry"/> holds the exact numbers.
/// </summary>
public enum ShapeSize
{
    Small,
    Large,
}
