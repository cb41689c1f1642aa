namespace DalleOrleans.Shapes;

/// <summary>
/// The attributes a caption names, each null where the caption leaves it out (and the image is then free
/// to show any value). Value equality makes it the unit of comparison between a sample's labels,
/// <see cref="CaptionParser.Parse"/> and the judge.
/// </summary>
/// <param name="Kind">The shape; every caption the grammar writes names it.</param>
/// <param name="Color">The shape's colour.</param>
/// <param name="Background">The background's colour.</param>
public sealed record CaptionAttributes(
    ShapeKind? Kind = null,
    ShapeColor? Color = null,
    ShapeSize? Size = null,
    GridPosition? Position = null,
    ShapeColor? Background = null)
{
    /// <summary>Names nothing.</summary>
    public static CaptionAttributes None { get; } = new();

    /// <summary>How many attributes are named (0 to 5).</summary>
    public int Count =>
        (Kind is null ? 0 : 1) + (Color is null ? 0 : 1) + (Size is null ? 0 : 1) +
        (Position is null ? 0 : 1) + (Background is null ? 0 : 1);

    public override string ToString() =>
        $"kind={Kind?.ToString() ?? "-"} color={Color?.ToString() ?? "-"} size={Size?.ToString() ?? "-"} " +
        $"position={Position?.ToString() ?? "-"} background={Background?.ToString() ?? "-"}";
}
