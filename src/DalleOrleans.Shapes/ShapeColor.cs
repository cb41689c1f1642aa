namespace DalleOrleans.Shapes;

/// <summary>
/// The eight colours of the data set; shapes and backgrounds both use them. The exact sRGB values live in
/// <see cref="Palette"/>. The numeric order is part of the data set's determinism (samplers index into it),
/// so new members go at the end.
/// </summary>
public enum ShapeColor
{
    Red,
    Green,
    Blue,
    Yellow,
    Purple,
    Orange,
    White,
    Black,
}
