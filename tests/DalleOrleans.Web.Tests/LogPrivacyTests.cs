using System.Net.Http.Json;
using Microsoft.Extensions.Logging;

namespace DalleOrleans.Web.Tests;

/// <summary>
/// Prompts are user data: with the default logging configuration none reaches the logs, whether the generation
/// succeeds, is refused, or fails on the device.
/// </summary>
[Collection(WebCollection.Name)]
public sealed class LogPrivacyTests(WebAppFixture web)
{
    [Fact]
    public async Task NoPromptIsLoggedAtAnyLevelTheDefaultsLetThrough()
    {
        const string marker = "zqxjvw";                       // a word no log line would contain by chance
        var prompts = new[]
        {
            $"a {marker} circle",                                                  // generates
            string.Join(' ', Enumerable.Repeat(marker, 30)),                        // too long: refused by the tokenizer
            $"a {marker}\u0001 square",                                             // control character: refused up front
        };
        foreach (var prompt in prompts)
        {
            using var post = await web.Http.PostAsJsonAsync("/api/generations", new { prompt, candidates = 2, top = 1, seed = 88 });
            if (post.IsSuccessStatusCode) await web.WaitForFinishAsync((await post.Content.ReadFromJsonAsync<GenerationDto>())!.Id);
        }

        var entries = web.Logs.Entries;
        Assert.Contains(entries, e => e.Level == LogLevel.Information);    // the capture works and sees Information
        Assert.DoesNotContain(entries, e => e.Text.Contains(marker, StringComparison.OrdinalIgnoreCase));
    }
}
