namespace DalleOrleans.Shapes;

/// <summary>
/// The exact sRGB value of each <see cref="ShapeColor"/> and nearest-colour classification, which the
/// judge uses so that it tolerates the approximate colours a generative model paints.
/// </summary>
public static class Palette
{
    /// <summary>Every colour, in enum order.</summary>
    public static IReadOnlyList<ShapeColor> Colors { get; } = Enum.GetValues<ShapeColor>();

    // Indexed by (int)ShapeColor; an array rather than a switch because Nearest runs per pixel.
    private static readonly Rgb[] Values =
    [
        new(220, 40, 40),   // red
        new(40, 170, 60),   // green
        new(40, 80, 220),   // blue
        new(240, 210, 40),  // yellow
        new(140, 60, 180),  // purple
        new(245, 140, 30),  // orange
        new(245, 245, 245), // white
        new(20, 20, 20),    // black
    ];

    public static Rgb ToRgb(this ShapeColor color) => Values[(int)color];

    /// <summary>The palette colour closest to (r, g, b) in sRGB distance.</summary>
    public static ShapeColor Nearest(int r, int g, int b) => Nearest(r, g, b, exclude: null);

    /// <summary>
    /// The palette colour closest to (r, g, b), skipping <paramref name="exclude"/>: the judge uses it to
    /// read a shape's colour, which by construction is never the background's.
    /// </summary>
    public static ShapeColor Nearest(int r, int g, int b, ShapeColor? exclude)
    {
        var best = ShapeColor.Red;
        var bestDistance = int.MaxValue;
        for (var i = 0; i < Values.Length; i++)
        {
            if (exclude is { } skip && (int)skip == i)
            {
                continue;
            }

            var distance = Values[i].DistanceSquared(r, g, b);
            if (distance < bestDistance)
            {
                bestDistance = distance;
                best = (ShapeColor)i;
            }
        }

        return best;
    }
}
