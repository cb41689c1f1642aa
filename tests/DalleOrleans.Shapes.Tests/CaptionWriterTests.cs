using DalleOrleans.Shapes;

namespace DalleOrleans.Shapes.Tests;

public sealed class CaptionWriterTests
{
    [Fact]
    public void ArticlesAgreeWithTheWordAfterThem()
    {
        var sawAnOrange = false;
        foreach (var sample in ShapesDataset.Stream(31, Split.Train).Take(5_000))
        {
            var words = sample.Caption.Split(' ');
            for (var i = 0; i < words.Length - 1; i++)
            {
                var vowel = "aeiou".Contains(words[i + 1][0]);
                Assert.False(words[i] == "a" && vowel, $"\"a\" before a vowel: {sample.Caption}");
                Assert.False(words[i] == "an" && !vowel, $"\"an\" before a consonant: {sample.Caption}");
                sawAnOrange |= words[i] == "an" && words[i + 1] == "orange";
            }
        }

        Assert.True(sawAnOrange);
    }

    [Fact]
    public void AnOrangeSquareTakesAn()
    {
        var named = new CaptionAttributes(ShapeKind.Square, ShapeColor.Orange);
        var captions = Enumerable.Range(0, 50).Select(seed => CaptionWriter.Write(named, new Random(seed))).Distinct().Order().ToList();

        Assert.Equal(["an orange square", "orange square"], captions);
    }

    [Fact]
    public void CaptionsAreLowercaseSingleSpacedAndAlwaysNameTheShape()
    {
        foreach (var sample in ShapesDataset.Stream(32, Split.Train).Take(5_000))
        {
            Assert.Equal(sample.Caption.ToLowerInvariant(), sample.Caption);
            Assert.Equal(sample.Caption.Trim(), sample.Caption);
            Assert.DoesNotContain("  ", sample.Caption);
            Assert.Contains(sample.Scene.Kind.Word(), sample.Caption);
        }
    }

    [Fact]
    public void TheGrammarUsesItsOptionalPartsAtTheDocumentedRates()
    {
        var named = ShapesDataset.Stream(33, Split.Train).Take(10_000).Select(s => s.Named).ToList();

        Assert.InRange(named.Count(n => n.Color is not null) / 10_000.0, 0.82, 0.88);
        Assert.InRange(named.Count(n => n.Size is not null) / 10_000.0, 0.47, 0.53);
        Assert.InRange(named.Count(n => n.Position is not null) / 10_000.0, 0.47, 0.53);
        Assert.InRange(named.Count(n => n.Background is not null) / 10_000.0, 0.37, 0.43);
    }

    [Fact]
    public void ACaptionWithoutAShapeIsRefused()
    {
        Assert.Throws<ArgumentException>(() => CaptionWriter.Write(new CaptionAttributes(Color: ShapeColor.Red), new Random(0)));
    }
}
