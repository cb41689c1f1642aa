using System.Diagnostics;
using DalleOrleans.Shapes;
using Xunit.Abstractions;

namespace DalleOrleans.Shapes.Tests;

public sealed class RendererTests(ITestOutputHelper output)
{
    private const int Size = SceneGeometry.ImageSize;

    [Fact]
    public void ShapeCentreAndBackgroundCornersHaveThePalettesExactValues()
    {
        Assert.Equal(new Rgb(220, 40, 40), ShapeColor.Red.ToRgb());
        Assert.Equal(new Rgb(40, 170, 60), ShapeColor.Green.ToRgb());
        Assert.Equal(new Rgb(40, 80, 220), ShapeColor.Blue.ToRgb());
        Assert.Equal(new Rgb(240, 210, 40), ShapeColor.Yellow.ToRgb());
        Assert.Equal(new Rgb(140, 60, 180), ShapeColor.Purple.ToRgb());
        Assert.Equal(new Rgb(245, 140, 30), ShapeColor.Orange.ToRgb());
        Assert.Equal(new Rgb(245, 245, 245), ShapeColor.White.ToRgb());
        Assert.Equal(new Rgb(20, 20, 20), ShapeColor.Black.ToRgb());

        using var renderer = new ShapeRenderer();
        var rng = new Random(41);
        foreach (var color in Palette.Colors)
        foreach (var background in Palette.Colors.Where(c => c != color))
        foreach (var kind in Enum.GetValues<ShapeKind>())
        foreach (var size in Enum.GetValues<ShapeSize>())
        {
            var scene = SceneSampler.Draw(rng, Split.Train, new CaptionAttributes(Kind: kind, Size: size, Background: background)) with { Color = color };
            var rgb = renderer.Render(scene);

            Assert.Equal(color.ToRgb(), Pixel(rgb, (int)scene.CenterX, (int)scene.CenterY));
            foreach (var (x, y) in new[] { (0, 0), (Size - 1, 0), (0, Size - 1), (Size - 1, Size - 1) })
            {
                Assert.Equal(background.ToRgb(), Pixel(rgb, x, y));
            }
        }
    }

    [Fact]
    public void ShapesNeverTouchTheBorderAtAnyPositionOrJitter()
    {
        using var renderer = new ShapeRenderer();
        const float j = SceneGeometry.PositionJitter;
        var checkedScenes = 0;
        foreach (var kind in Enum.GetValues<ShapeKind>())
        foreach (var size in Enum.GetValues<ShapeSize>())
        foreach (var position in Enum.GetValues<GridPosition>())
        foreach (var (dx, dy) in new[] { (-j, -j), (-j, j), (j, -j), (j, j), (0f, 0f) })
        {
            // Largest side, pushed as far as jitter allows: the worst case for staying inside.
            var scene = ShapeScene.Jittered(ShapeColor.Black, ShapeColor.White, kind, size, position, dx, dy, SceneGeometry.SideJitter);
            AssertBorderIsBackground(renderer.Render(scene), scene);
            checkedScenes++;
        }

        foreach (var sample in ShapesDataset.Stream(43, Split.Train).Take(500))
        {
            AssertBorderIsBackground(renderer.Render(sample.Scene), sample.Scene);
        }

        Assert.Equal(3 * 2 * 9 * 5, checkedScenes);
    }

    [Fact]
    public void PngEncodingKeepsThePixels()
    {
        using var renderer = new ShapeRenderer();
        var scene = ShapeScene.Nominal(ShapeColor.Yellow, ShapeColor.Purple, ShapeKind.Triangle, ShapeSize.Large, GridPosition.Center);

        var png = renderer.RenderPng(scene);
        var decoded = RgbImage.DecodeRgb(png, out var width, out var height);

        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png[..4]);
        Assert.Equal((Size, Size), (width, height));
        Assert.Equal(renderer.Render(scene), decoded);
        Assert.Equal(png, RgbImage.EncodePng(decoded));
        using var bitmap = renderer.RenderBitmap(scene);
        Assert.Equal((Size, Size), (bitmap.Width, bitmap.Height));
    }

    [Fact]
    public void RenderIntoWritesASliceOfALargerBuffer()
    {
        using var renderer = new ShapeRenderer();
        var scene = ShapeScene.Nominal(ShapeColor.Blue, ShapeColor.Red, ShapeKind.Circle, ShapeSize.Small, GridPosition.Right);
        var batch = new byte[3 * ShapeRenderer.ByteCount];

        renderer.RenderInto(scene, batch.AsSpan(ShapeRenderer.ByteCount, ShapeRenderer.ByteCount));

        Assert.Equal(renderer.Render(scene), batch[ShapeRenderer.ByteCount..(2 * ShapeRenderer.ByteCount)]);
        Assert.All(batch[..ShapeRenderer.ByteCount], b => Assert.Equal(0, b));
        Assert.Throws<ArgumentException>(() => renderer.RenderInto(scene, new byte[10]));
    }

    [Fact]
    public void RenderingIsFastEnoughToStream()
    {
        using var renderer = new ShapeRenderer();
        var scenes = ShapesDataset.Stream(44, Split.Train).Take(3_000).Select(s => s.Scene).ToList();
        var buffer = new byte[ShapeRenderer.ByteCount];
        renderer.RenderInto(scenes[0], buffer); // warm-up

        var clock = Stopwatch.StartNew();
        foreach (var scene in scenes)
        {
            renderer.RenderInto(scene, buffer);
        }

        var perSecond = scenes.Count / clock.Elapsed.TotalSeconds;
        output.WriteLine($"rendered {perSecond:F0} images/s on one thread");
        // A loose floor only: the machine is shared, and the point is to catch an accidental 100× slowdown.
        Assert.True(perSecond > 300, $"rendered only {perSecond:F0} images/s");
    }

    private static Rgb Pixel(byte[] rgb, int x, int y)
    {
        var i = 3 * (y * Size + x);
        return new Rgb(rgb[i], rgb[i + 1], rgb[i + 2]);
    }

    private static void AssertBorderIsBackground(byte[] rgb, ShapeScene scene)
    {
        var background = scene.Background.ToRgb();
        for (var k = 0; k < Size; k++)
        {
            foreach (var (x, y) in new[] { (k, 0), (k, Size - 1), (0, k), (Size - 1, k) })
            {
                Assert.True(Pixel(rgb, x, y) == background, $"border pixel ({x},{y}) is {Pixel(rgb, x, y)} for {scene}");
            }
        }
    }
}
