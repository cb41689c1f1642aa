using DalleOrleans.Shapes;

namespace DalleOrleans.Shapes.Tests;

public sealed class HardNegativeAndColorTests
{
    [Fact]
    public void AHardNegativeChangesExactlyOneNamedAttributeAndStaysInTheTrainingSplit()
    {
        const Split split = Split.Train;
        var rng = new Random(5);
        int kindSwaps = 0, colorSwaps = 0;
        foreach (var sample in ShapesDataset.Stream(11, split).Take(400))
        {
            var negative = HardNegative.Swap(sample, rng, split);
            var s = sample.Scene;
            // Geometry, background, size and position are the sample's own.
            Assert.Equal((s.Background, s.Size, s.Position, s.CenterX, s.CenterY, s.Side), (negative.Background, negative.Size, negative.Position, negative.CenterX, negative.CenterY, negative.Side));
            bool kindChanged = negative.Kind != s.Kind, colorChanged = negative.Color != s.Color;
            Assert.True(kindChanged ^ colorChanged, $"{s.Attributes} → {negative.Attributes}: exactly one of kind and colour must change");
            if (colorChanged)
            {
                Assert.NotNull(sample.Named.Color);   // an unnamed colour would still match the caption
                colorSwaps++;
            }
            else kindSwaps++;
            Assert.NotEqual(negative.Background, negative.Color);
            Assert.True(split.Allows(negative.Color, negative.Kind), $"{negative.Color} {negative.Kind} is not allowed in {split}");
            // The caption no longer describes the negative.
            Assert.False(AttributeJudge.Matches(new JudgedScene(negative.Background, negative.Color, negative.Kind, negative.Size, negative.Position), sample.Named));
        }
        Assert.True(kindSwaps > 50 && colorSwaps > 50, $"kind swaps {kindSwaps}, colour swaps {colorSwaps}");
    }

    [Fact]
    public void AHeldOutSceneWithNoOtherHeldOutPairOfItsColourOrKindHasNoHardNegative()
    {
        // Purple is held out only with circles and circles only with purple: nothing to swap to inside the held-out split.
        var scene = ShapeScene.Nominal(ShapeColor.Green, ShapeColor.Purple, ShapeKind.Circle, ShapeSize.Large, GridPosition.Center);
        var sample = new CaptionedSample(scene, "a purple circle", new CaptionAttributes(ShapeKind.Circle, ShapeColor.Purple));
        var e = Assert.Throws<ArgumentException>(() => HardNegative.Swap(sample, new Random(1), Split.HeldOut));
        Assert.Contains("no hard negative", e.Message);
    }

    [Theory]
    [InlineData(Split.Train)]
    [InlineData(Split.HeldOut)]
    public void DrawnEvaluationCaptionsNameColourAndKindOfTheirSplitAndReproduce(Split split)
    {
        var drawn = EvaluationCaptions.Drawn(split, 300, seed: 3);
        Assert.Equal(drawn, EvaluationCaptions.Drawn(split, 300, seed: 3));
        Assert.NotEqual(drawn, EvaluationCaptions.Drawn(split, 300, seed: 4));
        var parsed = drawn.Select(CaptionParser.Parse).ToList();
        Assert.All(parsed, p => Assert.True(p.Kind is { } k && p.Color is { } c && split.Allows(c, k), p.ToString()));
        Assert.Equal(3, parsed.Select(p => p.Kind).Distinct().Count());
        Assert.Equal(9, parsed.Select(p => p.Position).OfType<GridPosition>().Distinct().Count());

        var list = EvaluationCaptions.ForEvaluation(split, 256, seed: 3);
        Assert.Equal(256, list.Count);
        Assert.Equal(EvaluationCaptions.For(split), list.Take(EvaluationCaptions.For(split).Count));
    }

    [Fact]
    public void NamedColourShareCountsPixelsWithinTheToleranceOfEitherColour()
    {
        // 4 pixels: exact red, white off by 24 in one channel (in), white off by 25 (out), black (out).
        byte[] rgb = [220, 40, 40, 245, 221, 245, 220, 245, 245, 20, 20, 20];
        Assert.Equal(0.5, ColorFidelity.ShareNear(rgb, ShapeColor.Red.ToRgb(), ShapeColor.White.ToRgb()));
    }

    [Fact]
    public void FlatPixelsAreTheInteriorsOfTrueRendersOnly()
    {
        using var renderer = new ShapeRenderer();
        var scene = ShapeScene.Nominal(ShapeColor.White, ShapeColor.Red, ShapeKind.Square, ShapeSize.Large, GridPosition.Center);
        var rgb = renderer.Render(scene);
        var flat = ColorFidelity.FlatPixels(rgb, SceneGeometry.ImageSize, SceneGeometry.ImageSize);
        int side = SceneGeometry.ImageSize;
        // The image's border ring (2 pixels) is never flat; the centre is inside the red square; a corner pixel of the background is flat white.
        Assert.Equal(-1, flat[0]);
        Assert.Equal((int)ShapeColor.Red, flat[(side / 2) * side + side / 2]);
        Assert.Equal((int)ShapeColor.White, flat[3 * side + 3]);
        // Every flat pixel has exactly its palette colour.
        for (int i = 0; i < flat.Length; i++)
            if (flat[i] >= 0)
                Assert.Equal(((ShapeColor)flat[i]).ToRgb(), new Rgb(rgb[3 * i], rgb[3 * i + 1], rgb[3 * i + 2]));
    }
}
