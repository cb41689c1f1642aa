using System.Text.Json;

namespace DalleOrleans.Web.Tests.Browser;

/// <summary>
/// On a server with API keys the page still works end to end: with the key typed into its options it posts, follows
/// the event stream with fetch (EventSource cannot send the key) and shows the images from blobs fetched with the key.
/// </summary>
[Collection(GuardedCollection.Name)]
public sealed class KeyedPageTests(GuardedWebAppFixture web, PlaywrightBrowser chromium) : IClassFixture<PlaywrightBrowser>
{
    [Fact]
    public async Task WithAKeyThePageReadsItsGenerationWithThatKey()
    {
        await using var context = await chromium.NewContextAsync(web.BaseAddress, phone: false);
        var page = await context.NewPageAsync();
        await page.GotoAsync("/");
        await page.ClickAsync("#options summary");
        await page.FillAsync("#api-key", GuardedWebAppFixture.ApiKey);
        await page.FillAsync("#options input[name=candidates]", "2");
        await page.FillAsync("#options input[name=top]", "1");
        await page.FillAsync("#prompt", "a white square on the left");
        await page.ClickAsync("#submit");

        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!await page.EvaluateAsync<bool>("!!document.querySelector('article.entry.done, article.entry.failed') && [...document.querySelectorAll('img.result')].every(i => i.complete && i.naturalWidth > 0)"))
        {
            Assert.True(DateTime.UtcNow < deadline, "the keyed generation did not finish on the page");
            await Task.Delay(100);
        }
        Assert.Equal("", await page.EvaluateAsync<string>("document.querySelector('article.entry .error').textContent"));
        Assert.Equal("events", await page.GetAttributeAsync("article.entry", "data-via"));
        var image = await page.EvaluateAsync<JsonElement>("(() => { const i = document.querySelector('img.result'); return [i.src, i.naturalWidth]; })()");
        Assert.StartsWith("blob:", image[0].GetString());
        Assert.Equal(WebAppFixture.ImageSize, image[1].GetInt32());
    }
}
