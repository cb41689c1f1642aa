using DalleOrleans.Shapes;

namespace DalleOrleans.Shapes.Tests;

public sealed class SplitTests
{
    private static readonly string[] HeldOutPhrases =
        HeldOutPairs.Pairs.Select(p => $"{p.Color.Word()} {p.Kind.Word()}").ToArray();

    [Fact]
    public void TheTrainingStreamNeverDrawsOrNamesAHeldOutPair()
    {
        var draws = 0;
        foreach (var sample in ShapesDataset.Stream(1, Split.Train).Take(50_000))
        {
            draws++;
            Assert.False(HeldOutPairs.IsHeldOut(sample.Scene.Color, sample.Scene.Kind), $"drawn: {sample.Scene}");
            Assert.DoesNotContain(HeldOutPhrases, phrase => sample.Caption.Contains(phrase, StringComparison.Ordinal));
            var parsed = CaptionParser.Parse(sample.Caption);
            Assert.False(
                parsed is { Color: { } c, Kind: { } k } && HeldOutPairs.IsHeldOut(c, k),
                $"caption names a held-out pair: {sample.Caption}");
        }

        Assert.Equal(50_000, draws);
    }

    [Fact]
    public void TheHeldOutStreamDrawsAndNamesOnlyHeldOutPairs()
    {
        var seen = new HashSet<(ShapeColor, ShapeKind)>();
        foreach (var sample in ShapesDataset.Stream(2, Split.HeldOut).Take(5_000))
        {
            Assert.True(HeldOutPairs.IsHeldOut(sample.Scene.Color, sample.Scene.Kind), $"drawn: {sample.Scene}");
            Assert.Equal(sample.Scene.Color, sample.Named.Color);
            Assert.Equal(sample.Scene.Kind, sample.Named.Kind);
            seen.Add((sample.Scene.Color, sample.Scene.Kind));
        }

        Assert.Equal(HeldOutPairs.Pairs.Count, seen.Count);
    }

    [Fact]
    public void TheTrainingStreamCoversEveryOtherPairAndEveryAttributeValue()
    {
        var samples = ShapesDataset.Stream(3, Split.Train).Take(5_000).ToList();

        Assert.Equal(8 * 3 - HeldOutPairs.Pairs.Count, samples.Select(s => (s.Scene.Color, s.Scene.Kind)).Distinct().Count());
        Assert.Equal(9, samples.Select(s => s.Scene.Position).Distinct().Count());
        Assert.Equal(2, samples.Select(s => s.Scene.Size).Distinct().Count());
        Assert.Equal(8, samples.Select(s => s.Scene.Background).Distinct().Count());
        Assert.All(samples, s => Assert.NotEqual(s.Scene.Color, s.Scene.Background));
    }

    [Fact]
    public void DrawingForACaptionKeepsWhatItNamesAndRefusesTheImpossible()
    {
        var rng = new Random(4);
        var named = new CaptionAttributes(ShapeKind.Square, ShapeColor.Red, Position: GridPosition.Bottom);
        for (var i = 0; i < 200; i++)
        {
            var scene = SceneSampler.Draw(rng, Split.Train, named);
            Assert.Equal((ShapeKind.Square, ShapeColor.Red, GridPosition.Bottom), (scene.Kind, scene.Color, scene.Position));
        }

        Assert.Throws<ArgumentException>(() => SceneSampler.Draw(rng, Split.Train, new CaptionAttributes(ShapeKind.Triangle, ShapeColor.Green)));
        Assert.Throws<ArgumentException>(() => SceneSampler.Draw(rng, Split.HeldOut, new CaptionAttributes(Color: ShapeColor.Red)));
        Assert.Throws<ArgumentException>(() => SceneSampler.Draw(rng, Split.Train, new CaptionAttributes(Color: ShapeColor.Red, Background: ShapeColor.Red)));
    }
}
