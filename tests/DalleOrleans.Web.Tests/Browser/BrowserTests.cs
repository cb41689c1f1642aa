using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace DalleOrleans.Web.Tests.Browser;

/// <summary>
/// The page as people use it, in headless Chromium driven by Playwright, on a desktop and on a phone (390 px):
/// examples, a prompt typed and generated, every image decoded as a 16×16 PNG shown pixelated with its seed, click to
/// enlarge, "again", history across a reload, a permalink in a fresh browser, a 429's Retry-After counted down, a
/// missing generator said on the page, and screen-reader announcements only from the small status region.
/// </summary>
[Collection(WebCollection.Name)]
public sealed class BrowserTests(WebAppFixture web, PlaywrightBrowser chromium, ITestOutputHelper output) : IClassFixture<PlaywrightBrowser>
{
    const int Top = 3;
    const int GridTimeout = 60_000;

    [Fact]
    public async Task OnADesktopAPromptEndsInImagesThatCanBeEnlargedRepeatedReloadedAndLinked()
    {
        await using var context = await chromium.NewContextAsync(web.BaseAddress, phone: false);
        var page = await OpenAsync(context);
        try
        {
            // What the model knows, and examples, some marked as never seen in training (held-out colour–shape pairs).
            Assert.Contains("coloured shape", await page.InnerTextAsync("#model-knows"));
            var heldOut = await page.Locator("#examples li:has(.badge)").AllInnerTextsAsync();
            Assert.True(heldOut.Count >= 2, "held-out examples are missing");
            Assert.All(heldOut, text => Assert.Contains("never seen in training", text));
            // Only the small status region is live (not the conversation), and the progress bar is labelled.
            Assert.Equal(["announcer"], await page.EvalOnSelectorAllAsync<string[]>("[aria-live]", "els => els.map(e => e.id)"));
            Assert.Equal("Image tokens drawn", await page.EvaluateAsync<string>("document.getElementById('entry-template').content.querySelector('progress').getAttribute('aria-label')"));

            // Enough candidates that the page follows the generation while its tokens are drawn; no seed: a fresh one.
            await page.ClickAsync("#options summary");
            await page.FillAsync("#options input[name=candidates]", "24");
            await page.FillAsync("#options input[name=top]", $"{Top}");
            await page.FillAsync("#options input[name=topK]", "12");
            await page.FillAsync("#prompt", "a large red circle in the top left on a blue background");
            await page.ClickAsync("#submit");
            var first = await WaitForAnswerAsync(page, 1);
            AssertImages(await CheckImagesAsync(page, 1), Top);
            Assert.True(int.Parse(await page.GetAttributeAsync("article.entry >> nth=0", "data-previews") ?? "0") >= 1, "no partial preview was shown");
            Assert.Equal("events", await page.GetAttributeAsync("article.entry >> nth=0", "data-via"));
            Assert.StartsWith("Done:", await page.InnerTextAsync("#announcer"));

            // The seed under each image is the one the server drew.
            var server = (await web.Http.GetFromJsonAsync<GenerationDto>($"/api/generations/{first}"))!;
            Assert.All(await page.Locator("article.entry >> nth=0 >> figcaption .seed").AllInnerTextsAsync(), s => Assert.Equal($"seed {server.Seed}", s));

            // Click to enlarge: the same PNG in a dialog, scaled up pixelated.
            await page.Locator("article.entry >> nth=0 >> button.enlarge").First.ClickAsync();
            await page.WaitForSelectorAsync("dialog#enlarged[open]");
            var big = await page.EvaluateAsync<JsonElement>("(() => { const i = document.getElementById('enlarged-image'); return [i.naturalWidth, i.getBoundingClientRect().width, getComputedStyle(i).imageRendering]; })()");
            Assert.Equal(WebAppFixture.ImageSize, big[0].GetInt32());
            Assert.True(big[1].GetDouble() >= 8 * WebAppFixture.ImageSize, $"enlarged to only {big[1]} px");
            Assert.Equal("pixelated", big[2].GetString());
            await page.Keyboard.PressAsync("Escape");
            await page.WaitForSelectorAsync("dialog#enlarged:not([open])", new() { State = WaitForSelectorState.Attached });

            // "Again": the same prompt with a fresh seed, as a second entry; the first stays.
            await page.Locator("article.entry >> nth=0 >> button.again").ClickAsync();
            var second = await WaitForAnswerAsync(page, 2);
            var againServer = (await web.Http.GetFromJsonAsync<GenerationDto>($"/api/generations/{second}"))!;
            Assert.Equal(server.Prompt, againServer.Prompt);
            Assert.NotEqual(server.Seed, againServer.Seed);

            // A reload keeps the history: both entries come back, finished, with their images.
            await page.ReloadAsync();
            await page.WaitForSelectorAsync("body[data-restored=true]");
            Assert.Equal([first, second], await page.EvalOnSelectorAllAsync<string[]>("article.entry", "els => els.map(e => e.dataset.id)"));
            await WaitForAnswerAsync(page, 2);
            AssertImages(await CheckImagesAsync(page, 2), 2 * Top);

            // Reloading while a generation runs: leaving the page withdrew it (its device rows are freed), and the
            // reopened page asks for it again with the same seed, in the same place. The device is held meanwhile, so
            // the generation is certainly still running when the page goes.
            var executor = web.App.Services.GetRequiredService<DalleOrleans.Grains.Devices.DeviceHost>().Executors.Single();
            using (var hold = new ManualResetEventSlim())
            {
                var held = executor.Run(_ => hold.Wait(TimeSpan.FromSeconds(60)));
                try
                {
                    await page.FillAsync("#prompt", "a small blue circle at the bottom");
                    await page.ClickAsync("#submit");
                    await WaitUntilAsync(page, "document.querySelectorAll('article.entry')[2]?.dataset.id !== undefined", 15_000);
                    string left = await page.EvaluateAsync<string>("document.querySelectorAll('article.entry')[2].dataset.id");
                    long seed = (await web.Http.GetFromJsonAsync<GenerationDto>($"/api/generations/{left}"))!.Seed;
                    await page.ReloadAsync();
                    await WaitUntilAsync(page, "document.querySelectorAll('article.entry')[2]?.dataset.resumed === 'true' && document.querySelectorAll('article.entry')[2].dataset.id !== undefined", 30_000);
                    Assert.Equal("cancelled", (await web.Http.GetFromJsonAsync<GenerationDto>($"/api/generations/{left}"))!.Progress.Stage);
                    string resumed = await page.EvaluateAsync<string>("document.querySelectorAll('article.entry')[2].dataset.id");
                    Assert.NotEqual(left, resumed);
                    Assert.Equal(seed, (await web.Http.GetFromJsonAsync<GenerationDto>($"/api/generations/{resumed}"))!.Seed);
                }
                finally
                {
                    hold.Set();
                    await held;
                }
            }
            await WaitForAnswerAsync(page, 3);

            // The permalink reopens the generation in a browser that has never seen it.
            string permalink = (await page.GetAttributeAsync("article.entry >> nth=0 >> a.permalink", "href"))!;
            Assert.Equal($"#g={first}", permalink);
            await using var stranger = await chromium.NewContextAsync(web.BaseAddress, phone: false);
            var other = await stranger.NewPageAsync();
            await other.GotoAsync("/" + permalink);
            await WaitForAnswerAsync(other, 1);
            Assert.Equal([first], await other.EvalOnSelectorAllAsync<string[]>("article.entry", "els => els.map(e => e.dataset.id)"));
            AssertImages(await CheckImagesAsync(other, 1), Top);

            Save(await page.ScreenshotAsync(new() { FullPage = true }), "browser-desktop.png");
        }
        catch
        {
            Save(await page.ScreenshotAsync(new() { FullPage = true }), "browser-failure-desktop.png");
            throw;
        }
    }

    [Fact]
    public async Task OnAPhoneThePageFitsSaysWhenNoGeneratorIsAvailableAndHonoursRetryAfter()
    {
        await using var context = await chromium.NewContextAsync(web.BaseAddress, phone: true);
        var pageErrors = new List<string>();
        var page = await context.NewPageAsync();
        page.PageError += (_, e) => pageErrors.Add(e);
        try
        {
            // The first health check finds no generator (as with no silo up): the page says so, then recovers.
            int healthCalls = 0;
            await page.RouteAsync("**/api/health", async route =>
            {
                if (Interlocked.Increment(ref healthCalls) == 1)
                    await route.FulfillAsync(new() { Status = 503, ContentType = "application/problem+json",
                        Body = """{"title":"No generator available","status":503,"detail":"no device is registered in the cluster yet."}""" });
                else await route.ContinueAsync();
            });
            // The first POST is throttled with Retry-After: 2; the page must count down and send it again by itself.
            int posts = 0;
            await page.RouteAsync("**/api/generations", async route =>
            {
                if (route.Request.Method == "POST" && Interlocked.Increment(ref posts) == 1)
                    await route.FulfillAsync(new() { Status = 429, ContentType = "application/problem+json", Headers = new Dictionary<string, string> { ["Retry-After"] = "2" },
                        Body = """{"title":"Rate limit exceeded","status":429,"detail":"retry in 2 s."}""" });
                else await route.ContinueAsync();
            });

            await page.GotoAsync("/");
            await WaitUntilAsync(page, "document.getElementById('service-status').textContent.startsWith('no generator available')", 15_000);
            await WaitUntilAsync(page, "document.getElementById('service-status').textContent.startsWith('model')", 15_000);

            await page.Locator("#examples button.held-out").First.ClickAsync();
            await WaitUntilAsync(page, "document.querySelector('article.entry .progress-text')?.textContent.includes('retrying in') === true", 15_000);
            Assert.StartsWith("Rate limit exceeded: retrying in", await page.InnerTextAsync("#announcer"));
            await WaitForAnswerAsync(page, 1);
            Assert.Equal(2, posts);
            Assert.Equal("1", await page.GetAttributeAsync("article.entry", "data-retries"));
            AssertImages(await CheckImagesAsync(page, 1), 4);

            // Nothing is wider than the phone, the prompt row stays usable, the enlarged image fits on the screen.
            Assert.True(await page.EvaluateAsync<bool>("document.documentElement.scrollWidth <= window.innerWidth"),
                $"the page is {await page.EvaluateAsync<int>("document.documentElement.scrollWidth")} px wide at 390 px");
            var submit = await page.Locator("#submit").BoundingBoxAsync();
            Assert.True(submit is not null && submit.X + submit.Width <= 390, "the Generate button is off the screen");
            await page.Locator("button.enlarge").First.TapAsync();
            await page.WaitForSelectorAsync("dialog#enlarged[open]");
            Assert.True(await page.EvaluateAsync<double>("document.getElementById('enlarged-image').getBoundingClientRect().right") <= 390);
            await page.Keyboard.PressAsync("Escape");

            // "Variations": the same prompt with the next three seeds, as three more entries.
            string first = await page.EvaluateAsync<string>("document.querySelector('article.entry').dataset.id");
            var original = (await web.Http.GetFromJsonAsync<GenerationDto>($"/api/generations/{first}"))!;
            await page.Locator("article.entry button.variations").First.TapAsync();
            await WaitForAnswerAsync(page, 4);
            var seeds = new List<long>();
            foreach (var id in (await page.EvalOnSelectorAllAsync<string[]>("article.entry", "els => els.map(e => e.dataset.id)")).Skip(1))
            {
                var variation = (await web.Http.GetFromJsonAsync<GenerationDto>($"/api/generations/{id}"))!;
                Assert.Equal(original.Prompt, variation.Prompt);
                seeds.Add(variation.Seed);
            }
            Assert.Equal(new[] { original.Seed + 1, original.Seed + 2, original.Seed + 3 }, seeds.Order());

            Save(await page.ScreenshotAsync(new() { FullPage = true }), "browser-phone.png");
            Assert.Empty(pageErrors);
        }
        catch
        {
            Save(await page.ScreenshotAsync(new() { FullPage = true }), "browser-failure-phone.png");
            throw;
        }
    }

    async Task<IPage> OpenAsync(IBrowserContext context)
    {
        var page = await context.NewPageAsync();
        page.PageError += (_, e) => output.WriteLine($"page error: {e}");
        await page.GotoAsync("/");
        await WaitUntilAsync(page, "document.getElementById('service-status').textContent.startsWith('model')", 15_000);
        return page;
    }

    /// <summary>
    /// Polls a page expression until it is true (Playwright's WaitForFunction compiles its predicate with eval, which the
    /// page's content security policy forbids; Evaluate goes through the DevTools protocol and is not affected).
    /// </summary>
    static async Task WaitUntilAsync(IPage page, string expression, int timeoutMs)
    {
        var deadline = DateTime.UtcNow.AddMilliseconds(timeoutMs);
        while (!await page.EvaluateAsync<bool>($"!!({expression})"))
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"waited {timeoutMs} ms for: {expression}");
            await Task.Delay(100);
        }
    }

    /// <summary>Waits until <paramref name="count"/> entries have finished (a failed entry ends the wait with its message); returns the last one's id.</summary>
    static async Task<string> WaitForAnswerAsync(IPage page, int count)
    {
        await WaitUntilAsync(page,
            $"document.querySelectorAll('article.entry.done').length >= {count} || document.querySelector('article.entry.failed') !== null", GridTimeout);
        string failure = await page.EvaluateAsync<string>("document.querySelector('article.entry.failed .error')?.textContent ?? ''");
        Assert.True(failure == "", $"the page shows an error: {failure}");
        // Loaded, and scaled up by the page's load handler.
        await WaitUntilAsync(page, "[...document.querySelectorAll('article.entry img.result')].every(i => i.complete && i.naturalWidth > 0 && i.width === 4 * i.naturalWidth)", 10_000);
        return await page.EvaluateAsync<string>($"document.querySelectorAll('article.entry')[{count - 1}].dataset.id");
    }

    /// <summary>In the page: each image's decode state and natural size, and what fetching its src returns.</summary>
    static Task<JsonElement> CheckImagesAsync(IPage page, int entries) => page.EvaluateAsync<JsonElement>($$"""
        (async () => {
          const out = [];
          for (const img of [...document.querySelectorAll('#conversation article.entry')].slice(0, {{entries}}).flatMap(e => [...e.querySelectorAll('img.result')])) {
            const decoded = await img.decode().then(() => true, () => false);
            const response = await fetch(img.src);
            const bytes = new Uint8Array(await response.arrayBuffer());
            out.push({
              src: img.getAttribute('src'), complete: img.complete, decoded, width: img.naturalWidth, height: img.naturalHeight,
              shownWidth: img.width, status: response.status, type: response.headers.get('content-type'),
              head: Array.from(bytes.slice(0, 8)), length: bytes.length,
              downloadable: !!img.closest('figure').querySelector('a[download]'), rendering: getComputedStyle(img).imageRendering,
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
            Assert.Matches("^/api/generations/[0-9a-f]{64}/images/[1-9]\\.png$", src);
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

    void Save(byte[] screenshot, string name)
    {
        string path = TestArtifacts.Save(name, screenshot);
        output.WriteLine($"screenshot: {path}");
    }
}
