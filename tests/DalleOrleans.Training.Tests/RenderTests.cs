using DalleOrleans.Model.Imaging;
using DalleOrleans.Shapes;

namespace DalleOrleans.Training.Tests;

public class RenderTests
{
    [Theory]
    [InlineData("a large red circle on a white background")]
    [InlineData("a small green triangle in the top left")]   // a held-out pair: drawn from the held-out split
    public void RendersTrueScenesTheJudgeReadsAsTheCaption(string caption)
    {
        string folder = TinyRun.NewFolder("render");
        var outcome = CliRunner.Run("render", caption, "--out", folder, "--count", "3", "--seed", "2");
        Assert.True(outcome.ExitCode == 0, outcome.ToString());
        var files = Directory.GetFiles(folder, "*.png").Order().ToList();
        Assert.Equal(["render-001.png", "render-002.png", "render-003.png"], files.Select(Path.GetFileName));
        var named = CaptionParser.Parse(caption);
        foreach (var file in files)
        {
            var (rgb, width, height) = PngCodec.DecodeRgb(File.ReadAllBytes(file));
            Assert.Equal((64, 64), (width, height));
            var judged = AttributeJudge.Judge(rgb, width, height);
            Assert.True(AttributeJudge.Matches(judged, named), $"{file}: judged {judged.Attributes} for \"{caption}\"");
        }
    }

    [Fact]
    public void ACaptionWithoutAShapeIsAUsageError()
    {
        var outcome = CliRunner.Run("render", "something red", "--out", TinyRun.NewFolder("render"));
        Assert.Equal(2, outcome.ExitCode);
        Assert.Contains("names no shape kind", outcome.Error);
        outcome = CliRunner.Run("render", "a red circle", "--count", "0", "--out", TinyRun.NewFolder("render"));
        Assert.Equal(2, outcome.ExitCode);
        Assert.Contains("--count is 0", outcome.Error);
    }
}
