using DalleOrleans.Abstractions;
using DalleOrleans.Testing;

namespace DalleOrleans.Grains.Tests;

/// <summary>
/// The grain contract's edge: GenerationClient refuses text Orleans could not carry faithfully (a lone surrogate would
/// arrive as U+FFFD), and the grain itself refuses control characters from callers that skip the client.
/// </summary>
public class ContractValidationTests(GenerationCluster cluster) : IClassFixture<GenerationCluster>
{
    // Characters as numbers: xunit would store a lone surrogate in InlineData as U+FFFD, which is valid text.
    [Theory]
    [InlineData(0xD800, "surrogate")]
    [InlineData(0xDFFF, "surrogate")]
    [InlineData(0x0000, "control character")]
    [InlineData(0x001B, "control character")]
    public async Task TheClientRefusesBadTextNamingThePrompt(int character, string reason)
    {
        string prompt = $"a red {(char)character} circle";
        await cluster.WaitForDevices(1);
        var e = await Assert.ThrowsAnyAsync<ArgumentException>(() => cluster.Client.GenerateAsync(new GenerationRequest { Prompt = prompt, Candidates = 1, Top = 1 }));
        Assert.StartsWith("prompt", e.Message);
        Assert.Contains(reason, e.Message);
    }

    [Fact]
    public async Task TheClientRefusesAWhitespacePrompt()
    {
        await cluster.WaitForDevices(1);
        var e = await Assert.ThrowsAnyAsync<ArgumentException>(() => cluster.Client.GenerateAsync(new GenerationRequest { Prompt = " \t ", Candidates = 1, Top = 1 }));
        Assert.StartsWith("prompt is empty", e.Message);
    }

    [Fact]
    public async Task TheGrainRefusesControlCharactersFromCallersThatSkipTheClient()
    {
        await cluster.WaitForDevices(1);
        var model = await cluster.Client.ServedModelAsync();
        var request = new GenerationRequest { Prompt = "a red\u001bcircle", Candidates = 1, Top = 1 };
        var grain = cluster.Grains.GetGrain<IGenerationGrain>(RequestFingerprint.Compute(request, model.ModelId));
        var e = await Assert.ThrowsAnyAsync<ArgumentException>(() => grain.Generate(request));
        Assert.Contains("control character", e.Message);
    }
}
