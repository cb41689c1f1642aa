using DalleOrleans.Abstractions;

namespace DalleOrleans.Client.Tests;

/// <summary>
/// Every bad option exits with code 2 and a message naming the option, before any silo starts (the model folder
/// given here does not exist, so reaching the silo would be a different error).
/// </summary>
public class CliValidationTests
{
    const string NoModel = "/nonexistent-model";

    static string TempDir() => Path.Combine(Path.GetTempPath(), "dalle-cli-out-" + Guid.NewGuid().ToString("N"));

    public static TheoryData<string, GenerationRequest> BadRequests => new()
    {
        { "prompt", new() { Prompt = "   " } },
        { "prompt", new() { Prompt = "a red\u0007circle" } },
        { "prompt", new() { Prompt = "a red \ud800 circle" } },
        { "prompt", new() { Prompt = "a red \udc00 circle" } },
        { "--candidates", new() { Prompt = "a", Candidates = -1 } },
        { "--candidates", new() { Prompt = "a", Candidates = 65, Top = 1 } },
        { "--top", new() { Prompt = "a", Candidates = 2, Top = 3 } },
        { "--top", new() { Prompt = "a", Candidates = 2, Top = 0 } },
        { "--seed", new() { Prompt = "a", Seed = -1 } },
        { "--seed", new() { Prompt = "a", Seed = 1L << 53 } },
        { "--temperature", new() { Prompt = "a", Temperature = 0 } },
        { "--temperature", new() { Prompt = "a", Temperature = double.NaN } },
        { "--temperature", new() { Prompt = "a", Temperature = double.PositiveInfinity } },
        { "--top-k", new() { Prompt = "a", TopK = -1 } },
        { "--top-p", new() { Prompt = "a", TopP = 0 } },
        { "--top-p", new() { Prompt = "a", TopP = double.NaN } },
        { "--guidance", new() { Prompt = "a", GuidanceScale = -0.5 } },
        { "--guidance", new() { Prompt = "a", GuidanceScale = double.NegativeInfinity } },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task ABadOptionExitsWithCodeTwoAndItsMessageNamesTheOption(string option, GenerationRequest request)
    {
        var run = new CapturedTerminal();
        Terminal.Current = run.Terminal;
        Assert.Equal(2, await GenerateCommand.Run(request, TempDir(), cluster: null, NoModel, CancellationToken.None));
        // What the user sees: one line on stderr, "error (<option>): <message>"; nothing on stdout.
        Assert.StartsWith($"error ({option}): ", Assert.Single(run.ErrorLines));
        Assert.Equal("", run.Out.ToString());
    }

    [Theory]
    [InlineData("--candidates", "generate", "a red circle", "--candidates", "lots")]
    [InlineData("--seed", "generate", "a red circle", "--seed", "1.5")]
    [InlineData("--temperature", "generate", "a red circle", "--temperature", "hot")]
    [InlineData("--colour", "generate", "a red circle", "--colour", "red")]
    [InlineData("prompt", "generate")]
    public async Task AMalformedCommandLineExitsWithCodeTwoNamingTheOption(string named, params string[] args)
    {
        var run = new CapturedTerminal();
        Assert.Equal(2, await run.InvokeAsync(args));
        Assert.Contains(named, run.Error.ToString());
        Assert.Equal("", run.Out.ToString());
    }

    [Fact]
    public async Task AnUnexpectedFailureIsOneLineAndExitCodeOne()
    {
        string file = Path.GetTempFileName();          // a file where `model tiny --out` needs a folder to create
        try
        {
            var run = new CapturedTerminal();
            Assert.Equal(ExitCodes.Failed, await run.InvokeAsync("model", "tiny", "--out", Path.Combine(file, "model")));
            string line = Assert.Single(run.ErrorLines);
            Assert.StartsWith("error: ", line);
            Assert.Matches(@"\(\w*Exception\)$", line);       // the kind of failure, without its stack
        }
        finally { File.Delete(file); }
    }

    [Theory]
    [InlineData("a red circle ✨ 🟥")]
    [InlineData("красный круг")]
    [InlineData("赤い円")]
    public async Task EmojiAndOtherScriptsPassTheUpFrontChecks(string prompt)
    {
        // Accepted by the up-front checks: the run gets as far as the model folder, and that (missing here) is the only
        // complaint. The tokenizer maps what its vocabulary lacks to [UNK] (the web tests generate with them).
        var run = new CapturedTerminal();
        Terminal.Current = run.Terminal;
        Assert.Equal(2, await GenerateCommand.Run(new GenerationRequest { Prompt = prompt }, TempDir(), cluster: null, NoModel, CancellationToken.None));
        Assert.Equal($"error: --model: the model folder '{NoModel}' does not exist.", Assert.Single(run.ErrorLines));
    }
}

/// <summary>Limits only the served model knows (its text length, its image vocabulary) are still a code 2, not a crash.</summary>
public class CliModelLimitTests(TinyModelFolder model) : IClassFixture<TinyModelFolder>
{
    [Fact]
    public async Task ARequestBeyondTheModelsLimitsExitsWithCodeTwo()
    {
        string outDir = Path.Combine(Path.GetTempPath(), "dalle-cli-out-" + Guid.NewGuid().ToString("N"));
        var run = new CapturedTerminal();
        Terminal.Current = run.Terminal;
        var tooLong = new GenerationRequest { Prompt = string.Join(' ', Enumerable.Repeat("circle", 40)), Candidates = 2, Top = 1 };
        Assert.Equal(2, await GenerateCommand.Run(tooLong, outDir, cluster: null, model.Path, CancellationToken.None));
        var topK = new GenerationRequest { Prompt = "a red circle", Candidates = 2, Top = 1, TopK = 17 };     // the tiny model's vocabulary is 16
        Assert.Equal(2, await GenerateCommand.Run(topK, outDir, cluster: null, model.Path, CancellationToken.None));
        Assert.False(Directory.Exists(outDir));
        Assert.Collection(run.ErrorLines, l => Assert.StartsWith("error (prompt): ", l), l => Assert.StartsWith("error (--top-k): ", l));
    }
}
