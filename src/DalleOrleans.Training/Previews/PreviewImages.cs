using DalleOrleans.Shapes;

namespace DalleOrleans.Training.Previews;

/// <summary>Fixed images and captions that every preview of a run shows, so grids from different steps compare.</summary>
public static class PreviewImages
{
    /// <summary>A few seen captions and two held-out ones (previews are for looking; no training sees them).</summary>
    public static IReadOnlyList<string> Captions { get; } =
    [
        "a red circle",
        "a large blue square in the top left",
        "a yellow triangle on a black background",
        "small green square at the bottom",
        "a green triangle",
        "purple circle on the right",
    ];

    /// <summary><paramref name="count"/> rendered samples (RGB bytes back to back, and their captions) from a fixed stream.</summary>
    public static (byte[] Rgb, string[] Captions) Render(int seed, int count, Split split = Split.Train)
    {
        using var renderer = new ShapeRenderer();
        var rgb = new byte[count * ShapeRenderer.ByteCount];
        var captions = new string[count];
        int i = 0;
        foreach (var sample in ShapesDataset.Stream(seed, split).Take(count))
        {
            renderer.RenderInto(sample.Scene, rgb.AsSpan(i * ShapeRenderer.ByteCount, ShapeRenderer.ByteCount));
            captions[i++] = sample.Caption;
        }
        return (rgb, captions);
    }
}
