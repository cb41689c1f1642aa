namespace DalleOrleans.Training.Tests;

/// <summary>Usage errors of the stage commands: exit code 2, a message naming the option, and no run folder touched.</summary>
public class StageOptionTests
{
    public static TheoryData<string[], string> BadOptions => new()
    {
        { ["--steps", "0"], "--steps is 0" },
        { ["--batch", "0"], "--batch is 0" },
        { ["--batch", "5000"], "--batch is 5000" },
        { ["--lr", "0"], "--lr is 0" },
        { ["--lr", "2"], "--lr is 2" },
        { ["--seed", "-3"], "--seed is -3" },
        { ["--checkpoint-every-minutes", "0"], "--checkpoint-every-minutes is 0" },
        { ["--samples-every", "-1"], "--samples-every is -1" },
        { ["--threads", "0"], "--threads is 0" },
        { ["--device", "tpu"], "--device 'tpu'" },
        { ["--steps", "ten"], "'--steps'" },
        { ["--no-such-option"], "--no-such-option" },
    };

    [Theory]
    [MemberData(nameof(BadOptions))]
    public void BadStageOptionsExitWithTwo(string[] options, string expected)
    {
        string run = Path.Combine(Path.GetTempPath(), "dalle-train-tests", $"never-{Guid.NewGuid():N}");
        var outcome = CliRunner.Run(["dvae", "--run", run, .. options]);
        Assert.True(outcome.ExitCode == 2, outcome.ToString());
        Assert.Contains(expected, outcome.Error);
        Assert.False(File.Exists(Path.Combine(run, "config.json")));
    }

    [Fact]
    public void ABadConfigFileIsAUsageError()
    {
        string folder = TinyRun.NewFolder("bad-config");
        string config = Path.Combine(folder, "config.json");
        File.WriteAllText(config, TinyRun.ConfigJson.Replace("\"ModelDim\": 32", "\"ModelDim\": 33"));
        var outcome = CliRunner.Stage("dvae", Path.Combine(folder, "run"), "--config", config, "--vocab-captions", "50");
        Assert.Equal(2, outcome.ExitCode);
        Assert.Contains("ModelDim (33) must be divisible", outcome.Error);
    }

    [Fact]
    public void ARunKeepsItsConfig()
    {
        string folder = TinyRun.NewFolder("keep-config");
        string run = Path.Combine(folder, "run");
        string tiny = TinyRun.WriteConfig(folder);
        Assert.Equal(0, CliRunner.Run("vocab", "--run", run, "--config", tiny, "--captions", "200").ExitCode);

        string other = Path.Combine(folder, "other.json");
        File.WriteAllText(other, TinyRun.ConfigJson.Replace("\"Layers\": 2, \"Attention\": [\"Row\", \"Conv\"]", "\"Layers\": 1, \"Attention\": [\"Row\"]"));
        var outcome = CliRunner.Stage("dvae", run, "--config", other);
        Assert.Equal(2, outcome.ExitCode);
        Assert.Contains("differs from the run's", outcome.Error);
    }

    [Fact]
    public void TheTransformerNeedsTheDvaeFirst()
    {
        string folder = TinyRun.NewFolder("no-dvae");
        var outcome = CliRunner.Stage("transformer", Path.Combine(folder, "run"), "--config", TinyRun.WriteConfig(folder), "--vocab-captions", "200");
        Assert.Equal(1, outcome.ExitCode);
        Assert.Contains("run `dalle-train dvae` first", outcome.Error);
    }

    [Fact]
    public void HelpListsEveryCommand()
    {
        var outcome = CliRunner.Run("--help");
        Assert.Equal(0, outcome.ExitCode);
        foreach (var command in new[] { "vocab", "dvae", "transformer", "reranker", "package", "sample", "eval", "bench" })
            Assert.Contains(command, outcome.Output);
    }
}
