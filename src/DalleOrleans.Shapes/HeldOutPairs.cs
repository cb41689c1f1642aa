namespace DalleOrleans.Shapes;

/// <summary>
/// The zero-shot split. These (colour, shape) pairs never appear in a training image or caption, for any
/// model; <see cref="Split.HeldOut"/> produces only them, so evaluation measures whether a model composes
/// a colour and a shape it has only seen apart.
/// </summary>
public static class HeldOutPairs
{
    public static IReadOnlyList<(ShapeColor Color, ShapeKind Kind)> Pairs { get; } =
    [
        (ShapeColor.Green, ShapeKind.Triangle),
        (ShapeColor.Purple, ShapeKind.Circle),
        (ShapeColor.Orange, ShapeKind.Square),
        (ShapeColor.White, ShapeKind.Triangle),
    ];

    public static bool IsHeldOut(ShapeColor color, ShapeKind kind)
    {
        foreach (var pair in Pairs)
        {
            if (pair.Color == color && pair.Kind == kind)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether a shape of this colour and kind may be drawn (and named) in <paramref name="split"/>.</summary>
    public static bool Allows(this Split split, ShapeColor color, ShapeKind kind) => split switch
    {
        Split.Train => !IsHeldOut(color, kind),
        Split.HeldOut => IsHeldOut(color, kind),
        _ => throw new ArgumentOutOfRangeException(nameof(split), split, null),
    };
}
