using DalleOrleans.Shapes;
using Xunit.Abstractions;

namespace DalleOrleans.Shapes.Tests;

public sealed class JudgeTests(ITestOutputHelper output)
{
    [Fact]
    public void JudgeAgreesWithTheRendererOnRandomScenesFromBothSplits()
    {
        using var renderer = new ShapeRenderer();
        var scenes = ShapesDataset.Stream(11, Split.Train).Take(1000)
            .Concat(ShapesDataset.Stream(12, Split.HeldOut).Take(1000))
            .Select(s => s.Scene);

        var (agreed, total, failures) = Grade(scenes, scene => renderer.Render(scene));

        var message = $"judge agreement {agreed}/{total} ({100.0 * agreed / total:F2} %)";
        output.WriteLine(message);
        Assert.True(agreed >= 0.99 * total, message + "; first failures:\n" + string.Join('\n', failures));
    }

    [Fact]
    public void JudgeToleratesPixelNoiseAndStrayPixels()
    {
        using var renderer = new ShapeRenderer();
        var noise = new Random(5);
        var scenes = ShapesDataset.Stream(13, Split.Train).Take(500).Select(s => s.Scene);

        var (agreed, total, failures) = Grade(scenes, scene => Noisy(renderer.Render(scene), noise));

        var message = $"judge agreement on noisy images {agreed}/{total} ({100.0 * agreed / total:F2} %)";
        output.WriteLine(message);
        Assert.True(agreed >= 0.95 * total, message + "; first failures:\n" + string.Join('\n', failures));
    }

    [Fact]
    public void JudgeToleratesBlur()
    {
        using var renderer = new ShapeRenderer();
        var scenes = ShapesDataset.Stream(14, Split.HeldOut).Take(300).Select(s => s.Scene);

        var (agreed, total, failures) = Grade(scenes, scene => BoxBlur(BoxBlur(renderer.Render(scene))));

        var message = $"judge agreement on blurred images {agreed}/{total} ({100.0 * agreed / total:F2} %)";
        output.WriteLine(message);
        Assert.True(agreed >= 0.98 * total, message + "; first failures:\n" + string.Join('\n', failures));
    }

    [Fact]
    public void AnImageWithoutAShapeHasOnlyABackground()
    {
        var rgb = new byte[ShapeRenderer.ByteCount];
        var blue = ShapeColor.Blue.ToRgb();
        for (var i = 0; i < rgb.Length; i += 3)
        {
            (rgb[i], rgb[i + 1], rgb[i + 2]) = (blue.R, blue.G, blue.B);
        }

        var judged = AttributeJudge.Judge(rgb);

        Assert.Equal(ShapeColor.Blue, judged.Background);
        Assert.False(judged.HasShape);
        Assert.False(AttributeJudge.Matches(judged, new CaptionAttributes(ShapeKind.Circle)));
        Assert.True(AttributeJudge.Matches(judged, new CaptionAttributes(Background: ShapeColor.Blue)));
    }

    [Fact]
    public void MatchesChecksOnlyTheNamedAttributes()
    {
        var judged = new JudgedScene(ShapeColor.Black, ShapeColor.Red, ShapeKind.Circle, ShapeSize.Large, GridPosition.TopLeft);

        Assert.True(AttributeJudge.Matches(judged, CaptionParser.Parse("a red circle")));
        Assert.True(AttributeJudge.Matches(judged, CaptionParser.Parse("large circle in the top left on black")));
        Assert.False(AttributeJudge.Matches(judged, CaptionParser.Parse("a small red circle")));
        Assert.False(AttributeJudge.Matches(judged, CaptionParser.Parse("red circle on white")));

        var agreement = AttributeJudge.Compare(judged, CaptionParser.Parse("a blue circle at the top"));
        Assert.Equal(new AttributeAgreement(true, false, null, false, null), agreement);
    }

    private static (int Agreed, int Total, List<string> Failures) Grade(IEnumerable<ShapeScene> scenes, Func<ShapeScene, byte[]> draw)
    {
        int agreed = 0, total = 0;
        var failures = new List<string>();
        foreach (var scene in scenes)
        {
            total++;
            var judged = AttributeJudge.Judge(draw(scene));
            if (judged.Attributes == scene.Attributes)
            {
                agreed++;
            }
            else if (failures.Count < 10)
            {
                failures.Add($"{scene} judged {judged.Attributes} from {judged.Measurements}");
            }
        }

        return (agreed, total, failures);
    }

    /// <summary>Uniform noise of ±20 on every channel plus 30 stray pixels of random palette colours.</summary>
    private static byte[] Noisy(byte[] rgb, Random rng)
    {
        for (var i = 0; i < rgb.Length; i++)
        {
            rgb[i] = (byte)Math.Clamp(rgb[i] + rng.Next(-20, 21), 0, 255);
        }

        for (var n = 0; n < 30; n++)
        {
            var i = 3 * rng.Next(rgb.Length / 3);
            var stray = ((ShapeColor)rng.Next(8)).ToRgb();
            (rgb[i], rgb[i + 1], rgb[i + 2]) = (stray.R, stray.G, stray.B);
        }

        return rgb;
    }

    /// <summary>3×3 mean filter (edge pixels average what exists), as a stand-in for a decoder's soft edges.</summary>
    private static byte[] BoxBlur(byte[] rgb)
    {
        const int size = SceneGeometry.ImageSize;
        var blurred = new byte[rgb.Length];
        for (var y = 0; y < size; y++)
        for (var x = 0; x < size; x++)
        for (var c = 0; c < 3; c++)
        {
            int sum = 0, count = 0;
            for (var yy = Math.Max(y - 1, 0); yy <= Math.Min(y + 1, size - 1); yy++)
            for (var xx = Math.Max(x - 1, 0); xx <= Math.Min(x + 1, size - 1); xx++)
            {
                sum += rgb[3 * (yy * size + xx) + c];
                count++;
            }

            blurred[3 * (y * size + x) + c] = (byte)(sum / count);
        }

        return blurred;
    }
}
