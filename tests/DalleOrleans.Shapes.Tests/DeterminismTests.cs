using DalleOrleans.Shapes;

namespace DalleOrleans.Shapes.Tests;

public sealed class DeterminismTests
{
    [Theory]
    [InlineData(Split.Train)]
    [InlineData(Split.HeldOut)]
    public void TheSameSeedGivesTheSameCaptionsScenesAndPixels(Split split)
    {
        using var first = new ShapeRenderer();
        using var second = new ShapeRenderer();
        var a = ShapesDataset.Stream(42, split).Take(300).ToList();
        var b = ShapesDataset.Stream(42, split).Take(300).ToList();

        Assert.Equal(a, b);
        for (var i = 0; i < a.Count; i++)
        {
            Assert.Equal(first.Render(a[i].Scene), second.Render(b[i].Scene));
        }
    }

    [Fact]
    public void EnumeratingOneStreamTwiceStartsOverFromTheSeed()
    {
        var stream = ShapesDataset.Stream(7, Split.Train);

        Assert.Equal(stream.Take(100).ToList(), stream.Take(100).ToList());
    }

    [Fact]
    public void DifferentSeedsGiveDifferentSamples()
    {
        using var renderer = new ShapeRenderer();
        var a = ShapesDataset.Stream(1, Split.Train).Take(100).ToList();
        var b = ShapesDataset.Stream(2, Split.Train).Take(100).ToList();

        Assert.NotEqual(a.Select(s => s.Caption), b.Select(s => s.Caption));
        Assert.NotEqual(renderer.Render(a[0].Scene), renderer.Render(b[0].Scene));
    }

    [Fact]
    public void SampleWithASeededRandomMatchesTheStream()
    {
        var rng = new Random(9);
        var drawn = Enumerable.Range(0, 50).Select(_ => ShapesDataset.Sample(rng, Split.Train)).ToList();

        Assert.Equal(ShapesDataset.Stream(9, Split.Train).Take(50), drawn);
    }
}
