using DalleOrleans.Training.Commands;

namespace DalleOrleans.Training.Tests;

[Collection(TrainedRunCollection.Name)]
public class SampleTests(TrainedRunFixture run)
{
    CliRunner.Outcome Sample(string outFolder, params string[] more) =>
        CliRunner.Run(["sample", "a large red circle in the top left", "--model", run.Model, "--out", outFolder, "--progress", "Plain", .. more]);

    [Fact]
    public void WritesTheTopKImagesInRankOrderWithGridAndResult()
    {
        string folder = Path.Combine(run.Root, $"sample-{Guid.NewGuid():N}");
        var outcome = Sample(folder, "--candidates", "3", "--top", "2", "--seed", "4");
        Assert.True(outcome.ExitCode == 0, outcome.ToString());

        Assert.Equal(["1.png", "2.png", "grid.png", "result.json"], Directory.GetFiles(folder).Select(Path.GetFileName).Order());
        Assert.Equal((64, 64), PngSize.Of(Path.Combine(folder, "1.png")));
        Assert.Equal((64, 64), PngSize.Of(Path.Combine(folder, "2.png")));
        Assert.Equal(PngSize.Grid(2, 4), PngSize.Of(Path.Combine(folder, "grid.png")));

        var result = SampleResultFile.Read(Path.Combine(folder, "result.json"));
        Assert.Equal("a large red circle in the top left", result.Prompt);
        Assert.Equal("tiny-train-test", result.ModelId);
        Assert.Equal(new SampleResultFile.RequestOptions(3, 2, 4, 1.0, 0, 1.0, 2.0), result.Options);      // guidance 2: the shipped default
        Assert.Equal([1, 2], result.Images.Select(i => i.Rank));
        Assert.Equal(["1.png", "2.png"], result.Images.Select(i => i.File));
        Assert.True(result.Images[0].Score >= result.Images[1].Score);
        Assert.Equal(2, result.Images.Select(i => i.Candidate).Distinct().Count());
        Assert.True(result.TimingsMs.Tokens > 0 && result.TimingsMs.Total >= result.TimingsMs.Tokens);
    }

    [Fact]
    public void TheSameSeedGivesTheSameImages()
    {
        string a = Path.Combine(run.Root, $"seed-a-{Guid.NewGuid():N}"), b = Path.Combine(run.Root, $"seed-b-{Guid.NewGuid():N}");
        Assert.Equal(0, Sample(a, "--candidates", "2", "--top", "1", "--seed", "9").ExitCode);
        Assert.Equal(0, Sample(b, "--candidates", "2", "--top", "1", "--seed", "9").ExitCode);
        Assert.Equal(File.ReadAllBytes(Path.Combine(a, "1.png")), File.ReadAllBytes(Path.Combine(b, "1.png")));
    }

    public static TheoryData<string[], string> BadOptions => new()
    {
        { ["--candidates", "3", "--top", "5"], "--top is 5" },
        { ["--candidates", "0"], "--candidates is 0" },
        { ["--candidates", "65"], "--candidates is 65" },
        { ["--seed", "-1"], "--seed is -1" },
        { ["--temperature", "0"], "--temperature is 0" },
        { ["--top-p", "1.5"], "--top-p is 1.5" },
        { ["--guidance", "25"], "--guidance is 25" },
        { ["--top-k", "999"], "--top-k is 999" },          // the limit is the model's image vocabulary: checked after loading
        { ["--candidates", "many"], "'--candidates'" },    // a parse error names the option too
        { ["--threads", "0"], "--threads is 0" },
    };

    [Theory]
    [MemberData(nameof(BadOptions))]
    public void BadOptionsExitWithTwoAndNameTheOption(string[] options, string expected)
    {
        string folder = Path.Combine(run.Root, $"bad-{Guid.NewGuid():N}");
        var outcome = Sample(folder, options);
        Assert.True(outcome.ExitCode == 2, outcome.ToString());
        Assert.Contains(expected, outcome.Error);
        Assert.DoesNotContain("   at ", outcome.Error);   // a message, not a stack trace
        Assert.False(Directory.Exists(folder));
    }

    [Fact]
    public void APromptLongerThanTheContextIsAUsageError()
    {
        string prompt = string.Join(' ', Enumerable.Repeat("red circle", 40));
        var outcome = CliRunner.Run("sample", prompt, "--model", run.Model, "--out", Path.Combine(run.Root, "long"));
        Assert.Equal(2, outcome.ExitCode);
        Assert.Contains("prompt is", outcome.Error);
    }

    [Fact]
    public void AMissingModelFolderFails()
    {
        var outcome = CliRunner.Run("sample", "a red circle", "--model", Path.Combine(run.Root, "no-such-model"), "--out", Path.Combine(run.Root, "x"));
        Assert.Equal(1, outcome.ExitCode);
        Assert.Contains("does not exist", outcome.Error);
    }
}
