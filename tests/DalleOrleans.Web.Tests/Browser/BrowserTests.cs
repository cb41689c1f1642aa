using System.Text.Json;
using Xunit.Abstractions;

namespace DalleOrleans.Web.Tests.Browser;

/// <summary>
/// The page as a person uses it, in headless Chromium over the DevTools protocol: type a prompt, submit, wait for the
/// grid, check every image decoded as a 16×16 PNG, ask again and see both answers, and keep a screenshot.
/// Chromium missing is a failure with the install command, never a skip.
/// </summary>
[Collection(WebCollection.Name)]
public sealed class BrowserTests(WebAppFixture web, ITestOutputHelper output)
{
    static readonly TimeSpan GridTimeout = TimeSpan.FromSeconds(60);
    const int Top = 3;

    [Fact]
    public async Task APromptTypedIntoThePageEndsInAGridOfPngs()
    {
        await using var chromium = await Chromium.LaunchAsync(TimeSpan.FromSeconds(20));
        await using var devTools = await DevToolsConnection.ConnectAsync(chromium.DevToolsEndpoint, CancellationToken.None);
        var tab = await BrowserTab.OpenAsync(devTools, width: 1100, height: 900);
        try
        {
            await tab.NavigateAsync(web.BaseAddress);
            await tab.WaitUntilAsync("document.readyState === 'complete' && document.getElementById('prompt-form')", TimeSpan.FromSeconds(15), "the page to load");
            await tab.WaitUntilAsync("document.getElementById('service-status').textContent.startsWith('model')", TimeSpan.FromSeconds(15), "the page to see the model");

            // Enough candidates that the page follows the generation while its tokens are drawn.
            await AskAsync(tab, "a large red circle in the top left on a blue background", seed: 31, candidates: 24);
            await WaitForAnswersAsync(tab, 1);
            AssertImages(await CheckImagesAsync(tab), expected: Top);
            // It showed at least one partial preview of candidate 0 on the way (the page counts them), a PNG of the image's size.
            await tab.WaitUntilAsync("Number(document.querySelector('article.entry').dataset.previews ?? 0) >= 1", TimeSpan.FromSeconds(10), "a partial preview");
            var preview = await tab.EvaluateAsync("(() => { const i = document.querySelector('article.entry img.preview'); return [i.naturalWidth, i.naturalHeight, i.getAttribute('src')]; })()");
            output.WriteLine($"preview: {preview}");
            Assert.Equal(WebAppFixture.ImageSize, preview[0].GetInt32());
            Assert.Equal(WebAppFixture.ImageSize, preview[1].GetInt32());
            Assert.Contains("/preview.png?tokens=", preview[2].GetString());

            // A second prompt: the first answer stays on the page, as a conversation.
            await AskAsync(tab, "a yellow triangle", seed: 32);
            await WaitForAnswersAsync(tab, 2);
            AssertImages(await CheckImagesAsync(tab), expected: 2 * Top);
            var prompts = await tab.EvaluateAsync("[...document.querySelectorAll('article.entry .prompt-text')].map(p => p.textContent)");
            Assert.Equal(new[] { "a large red circle in the top left on a blue background", "a yellow triangle" },
                prompts.EnumerateArray().Select(p => p.GetString()));

            // Both answers came over server-sent events, not the polling fallback.
            var via = await tab.EvaluateAsync("[...document.querySelectorAll('article.entry')].map(e => e.dataset.via)");
            Assert.All(via.EnumerateArray(), v => Assert.Equal("events", v.GetString()));

            var screenshot = await tab.ScreenshotAsync();
            Assert.True(Png.HasSignature(screenshot));
            string path = TestArtifacts.Save("browser-conversation.png", screenshot);
            TestArtifacts.Delete("browser-failure.png");      // a stale one from an earlier failed run would mislead
            output.WriteLine($"screenshot: {path}");
            Console.WriteLine($"[browser test] screenshot saved to {path}");
            Assert.Empty(devTools.PageErrors);
        }
        catch
        {
            // Leave a picture of what went wrong, then fail as before.
            try { output.WriteLine($"failure screenshot: {TestArtifacts.Save("browser-failure.png", await tab.ScreenshotAsync())}"); }
            catch (Exception e) when (e is DevToolsException or IOException) { }
            output.WriteLine($"chromium output:\n{chromium.RecentOutput}");
            throw;
        }
    }

    /// <summary>Fills the folded options and the prompt box as a person would, then submits the form.</summary>
    static Task AskAsync(BrowserTab tab, string prompt, int seed, int candidates = 6) => tab.EvaluateAsync($$"""
        (() => {
          const set = (name, value) => { document.querySelector(`#options input[name=${name}]`).value = value; };
          set('candidates', '{{candidates}}'); set('top', '{{Top}}'); set('seed', '{{seed}}'); set('topK', '12');
          document.getElementById('prompt').value = {{JsonSerializer.Serialize(prompt)}};
          document.getElementById('prompt-form').requestSubmit();
          return true;
        })()
        """);

    /// <summary>Waits until <paramref name="count"/> entries have finished; a failed entry ends the wait with its message.</summary>
    static async Task WaitForAnswersAsync(BrowserTab tab, int count)
    {
        await tab.WaitUntilAsync(
            $"document.querySelectorAll('article.entry.done').length >= {count} || document.querySelector('article.entry.failed')",
            GridTimeout, $"{count} answered prompt(s)");
        var failure = await tab.EvaluateAsync("document.querySelector('article.entry.failed .error')?.textContent ?? ''");
        Assert.True(failure.GetString() == "", $"the page shows an error: {failure.GetString()}");
        // Loaded, and scaled up by the page's load handler.
        await tab.WaitUntilAsync("[...document.querySelectorAll('article.entry img.result')].every(i => i.complete && i.naturalWidth > 0 && i.width === 4 * i.naturalWidth)",
            TimeSpan.FromSeconds(10), "the images to load");
    }

    /// <summary>In the page: each image's decode state and natural size, and what fetching its src returns.</summary>
    static Task<JsonElement> CheckImagesAsync(BrowserTab tab) => tab.EvaluateAsync("""
        (async () => {
          const out = [];
          for (const img of document.querySelectorAll('#conversation article.entry img.result')) {
            const decoded = await img.decode().then(() => true, () => false);
            const response = await fetch(img.src);
            const bytes = new Uint8Array(await response.arrayBuffer());
            out.push({
              src: img.getAttribute('src'), complete: img.complete, decoded, width: img.naturalWidth, height: img.naturalHeight,
              shownWidth: img.width, status: response.status, type: response.headers.get('content-type'),
              head: Array.from(bytes.slice(0, 8)), length: bytes.length,
              downloadable: !!img.closest('a[download]'), rendering: getComputedStyle(img).imageRendering,
            });
          }
          return out;
        })()
        """);

    void AssertImages(JsonElement images, int expected)
    {
        output.WriteLine(images.ToString());
        Assert.Equal(expected, images.GetArrayLength());
        foreach (var image in images.EnumerateArray())
        {
            string src = image.GetProperty("src").GetString()!;
            Assert.Matches("^/api/generations/[0-9a-f]{64}/images/[1-3]\\.png$", src);
            Assert.True(image.GetProperty("complete").GetBoolean() && image.GetProperty("decoded").GetBoolean(), $"{src} did not decode");
            Assert.Equal(WebAppFixture.ImageSize, image.GetProperty("width").GetInt32());
            Assert.Equal(WebAppFixture.ImageSize, image.GetProperty("height").GetInt32());
            Assert.Equal(4 * WebAppFixture.ImageSize, image.GetProperty("shownWidth").GetInt32());
            Assert.Equal(200, image.GetProperty("status").GetInt32());
            Assert.Equal("image/png", image.GetProperty("type").GetString());
            Assert.True(image.GetProperty("length").GetInt32() > 8, $"{src} is empty");
            Assert.Equal(Png.Signature.Select(b => (int)b), image.GetProperty("head").EnumerateArray().Select(b => b.GetInt32()));
            Assert.True(image.GetProperty("downloadable").GetBoolean(), $"{src} has no download link");
            Assert.Equal("pixelated", image.GetProperty("rendering").GetString());
        }
    }
}
