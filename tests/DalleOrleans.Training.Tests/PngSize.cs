using DalleOrleans.Model.Imaging;

namespace DalleOrleans.Training.Tests;

public static class PngSize
{
    public static (int Width, int Height) Of(string path)
    {
        var (_, width, height) = PngCodec.DecodeRgb(File.ReadAllBytes(path));
        return (width, height);
    }

    /// <summary>The size <see cref="PngCodec.Grid"/> gives n images of 64×64 in rows of <paramref name="columns"/> with a 2-pixel gap.</summary>
    public static (int Width, int Height) Grid(int images, int columns)
    {
        int cols = Math.Min(columns, images), rows = (images + cols - 1) / cols;
        return (cols * 64 + (cols + 1) * 2, rows * 64 + (rows + 1) * 2);
    }
}
