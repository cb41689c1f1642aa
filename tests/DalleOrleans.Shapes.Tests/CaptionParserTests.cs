using DalleOrleans.Shapes;

namespace DalleOrleans.Shapes.Tests;

public sealed class CaptionParserTests
{
    [Theory]
    [InlineData(Split.Train, 21)]
    [InlineData(Split.HeldOut, 22)]
    public void ParsingGivesBackWhatEveryStreamedCaptionNames(Split split, int seed)
    {
        foreach (var sample in ShapesDataset.Stream(seed, split).Take(5_000))
        {
            var parsed = CaptionParser.Parse(sample.Caption);
            Assert.True(parsed == sample.Named, $"\"{sample.Caption}\": parsed {parsed}, named {sample.Named}");
        }
    }

    [Fact]
    public void ParsingGivesBackEveryCombinationOfNamedAttributes()
    {
        var rng = new Random(23);
        ShapeColor?[] colors = [null, .. Enum.GetValues<ShapeColor>().Cast<ShapeColor?>()];
        ShapeSize?[] sizes = [null, ShapeSize.Small, ShapeSize.Large];
        GridPosition?[] positions = [null, .. Enum.GetValues<GridPosition>().Cast<GridPosition?>()];
        foreach (var kind in Enum.GetValues<ShapeKind>())
        foreach (var color in colors)
        foreach (var size in sizes)
        foreach (var position in positions)
        foreach (var background in colors)
        {
            var named = new CaptionAttributes(kind, color, size, position, background);
            var caption = CaptionWriter.Write(named, rng);
            var parsed = CaptionParser.Parse(caption);
            Assert.True(parsed == named, $"\"{caption}\": parsed {parsed}, named {named}");
        }
    }

    [Theory]
    [InlineData("  A Red  Circle ", ShapeKind.Circle, ShapeColor.Red, null, null, null)]
    [InlineData("a large red circle in the top left on a blue background", ShapeKind.Circle, ShapeColor.Red, ShapeSize.Large, GridPosition.TopLeft, ShapeColor.Blue)]
    [InlineData("small green square at the bottom", ShapeKind.Square, ShapeColor.Green, ShapeSize.Small, GridPosition.Bottom, null)]
    [InlineData("a yellow triangle", ShapeKind.Triangle, ShapeColor.Yellow, null, null, null)]
    [InlineData("blue circle on black", ShapeKind.Circle, ShapeColor.Blue, null, null, ShapeColor.Black)]
    [InlineData("An ORANGE square, Top-Right corner.", ShapeKind.Square, ShapeColor.Orange, null, GridPosition.TopRight, null)]
    [InlineData("big white triangle in the centre", ShapeKind.Triangle, ShapeColor.White, ShapeSize.Large, GridPosition.Center, null)]
    [InlineData("a circle on the left on purple", ShapeKind.Circle, null, null, GridPosition.Left, ShapeColor.Purple)]
    [InlineData("blue background, a tiny red square in the lower right", ShapeKind.Square, ShapeColor.Red, ShapeSize.Small, GridPosition.BottomRight, ShapeColor.Blue)]
    [InlineData("black squares with the background: yellow", ShapeKind.Square, ShapeColor.Black, null, null, ShapeColor.Yellow)]
    [InlineData("a triangle in the top middle", ShapeKind.Triangle, null, null, GridPosition.Top, null)]
    [InlineData("red on blue", null, ShapeColor.Red, null, null, ShapeColor.Blue)]
    [InlineData("", null, null, null, null, null)]
    public void ParsingToleratesHowPeopleType(
        string caption, ShapeKind? kind, ShapeColor? color, ShapeSize? size, GridPosition? position, ShapeColor? background)
    {
        Assert.Equal(new CaptionAttributes(kind, color, size, position, background), CaptionParser.Parse(caption));
    }
}
