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
        Assert.Equal(2, await GenerateCommand.Run(request, TempDir(), cluster: null, NoModel, CancellationToken.None));
        // The message the user sees is "error (<option>): <message>"; the option comes from the message's first word.
        var e = Assert.ThrowsAny<ArgumentException>(() =>
        {
            DalleOrleans.Grains.RequestFingerprint.ToImageRequest(request).Validate(int.MaxValue);
            DalleOrleans.Model.Text.PromptText.Validate(request.Prompt, "prompt");
        });
        Assert.Equal(option, GenerateCommand.OptionFor(e.Message));
    }

    [Theory]
    [InlineData("--candidates", "generate", "a red circle", "--candidates", "lots")]
    [InlineData("--seed", "generate", "a red circle", "--seed", "1.5")]
    [InlineData("--temperature", "generate", "a red circle", "--temperature", "hot")]
    [InlineData("--colour", "generate", "a red circle", "--colour", "red")]
    [InlineData("prompt", "generate")]
    public async Task AMalformedCommandLineExitsWithCodeTwoNamingTheOption(string named, params string[] args)
    {
        var error = new StringWriter();
        Assert.Equal(2, await Cli.InvokeAsync(args, error));
        Assert.Contains(named, error.ToString());
    }

    [Theory]
    [InlineData("a red circle ✨ 🟥")]
    [InlineData("красный круг")]
    [InlineData("赤い円")]
    public void EmojiAndOtherScriptsPassTheUpFrontChecks(string prompt)
    {
        // Accepted here; the tokenizer maps what its vocabulary lacks to [UNK] (the web tests generate with them).
        var request = new GenerationRequest { Prompt = prompt };
        DalleOrleans.Grains.RequestFingerprint.ToImageRequest(request).Validate(int.MaxValue);
        DalleOrleans.Model.Text.PromptText.Validate(request.Prompt, "prompt");
    }
}

/// <summary>Limits only the served model knows (its text length, its image vocabulary) are still a code 2, not a crash.</summary>
public class CliModelLimitTests(TinyModelFolder model) : IClassFixture<TinyModelFolder>
{
    [Fact]
    public async Task ARequestBeyondTheModelsLimitsExitsWithCodeTwo()
    {
        string outDir = Path.Combine(Path.GetTempPath(), "dalle-cli-out-" + Guid.NewGuid().ToString("N"));
        var tooLong = new GenerationRequest { Prompt = string.Join(' ', Enumerable.Repeat("circle", 40)), Candidates = 2, Top = 1 };
        Assert.Equal(2, await GenerateCommand.Run(tooLong, outDir, cluster: null, model.Path, CancellationToken.None));
        var topK = new GenerationRequest { Prompt = "a red circle", Candidates = 2, Top = 1, TopK = 17 };     // the tiny model's vocabulary is 16
        Assert.Equal(2, await GenerateCommand.Run(topK, outDir, cluster: null, model.Path, CancellationToken.None));
        Assert.False(Directory.Exists(outDir));
    }
}
