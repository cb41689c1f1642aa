using DalleOrleans.Shapes;

namespace DalleOrleans.Shapes.Tests;

public sealed class EvaluationCaptionsTests
{
    [Theory]
    [InlineData(Split.Train)]
    [InlineData(Split.HeldOut)]
    public void EachListNamesItsSplitsPairsAndCoversEveryAttributeValue(Split split)
    {
        var captions = EvaluationCaptions.For(split);
        var parsed = captions.Select(CaptionParser.Parse).ToList();

        Assert.InRange(captions.Count, 24, 64);
        Assert.Equal(captions.Count, captions.Distinct().Count());
        Assert.All(parsed, p => Assert.True(p.Kind is { } k && p.Color is { } c && split.Allows(c, k), p.ToString()));
        Assert.Equal(2, parsed.Select(p => p.Size).OfType<ShapeSize>().Distinct().Count());
        Assert.Equal(9, parsed.Select(p => p.Position).OfType<GridPosition>().Distinct().Count());
        Assert.Equal(8, parsed.Select(p => p.Background).OfType<ShapeColor>().Distinct().Count());
        Assert.All(parsed, p => Assert.NotEqual(p.Color, p.Background));
        Assert.Equal(3, parsed.Select(p => p.Kind).Distinct().Count());
    }

    [Fact]
    public void TheHeldOutListUsesEveryHeldOutPairAndTheSeenListEveryColour()
    {
        var heldOut = EvaluationCaptions.HeldOut.Select(CaptionParser.Parse).Select(p => (p.Color!.Value, p.Kind!.Value)).ToHashSet();
        var seenColors = EvaluationCaptions.Seen.Select(CaptionParser.Parse).Select(p => p.Color).Distinct().Count();

        Assert.Equal(HeldOutPairs.Pairs.ToHashSet(), heldOut);
        Assert.Equal(8, seenColors);
    }

    [Fact]
    public void EveryEvaluationCaptionCanBeDrawnAndJudged()
    {
        using var renderer = new ShapeRenderer();
        var rng = new Random(51);
        foreach (var split in new[] { Split.Train, Split.HeldOut })
        foreach (var caption in EvaluationCaptions.For(split))
        {
            var named = CaptionParser.Parse(caption);
            var scene = SceneSampler.Draw(rng, split, named);
            Assert.True(AttributeJudge.Matches(AttributeJudge.Judge(renderer.Render(scene)), named), caption);
        }
    }
}
