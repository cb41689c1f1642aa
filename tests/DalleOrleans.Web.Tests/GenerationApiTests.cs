using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace DalleOrleans.Web.Tests;

/// <summary>The happy paths of the JSON API against a real embedded silo and the tiny model.</summary>
[Collection(WebCollection.Name)]
public sealed class GenerationApiTests(WebAppFixture web)
{
    static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    static object Body(string prompt, long seed, int candidates = 6, int top = 3) =>
        new { prompt, candidates, top, seed, topK = 12 };

    [Fact]
    public async Task PostThenPollGivesTheRankedPngs()
    {
        using var response = await web.Http.PostAsJsonAsync("/api/generations", Body("a red circle", seed: 11));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var started = (await response.Content.ReadFromJsonAsync<GenerationDto>())!;
        Assert.Matches("^[0-9a-f]{64}$", started.Id);
        Assert.Equal($"/api/generations/{started.Id}", response.Headers.Location?.OriginalString);
        Assert.Equal($"/api/generations/{started.Id}/events", started.Links.Events);

        var done = await web.WaitForFinishAsync(started.Id);
        Assert.Equal("done", done.Status);
        Assert.Equal("tiny-test", done.Result!.ModelId);
        Assert.Equal(new[] { 1, 2, 3 }, done.Result.Images.Select(i => i.Rank));
        Assert.True(done.Result.Images.Zip(done.Result.Images.Skip(1)).All(p => p.First.Score >= p.Second.Score), "scores are not in rank order");
        Assert.Equal(6, done.Progress.CandidatesDone);
        foreach (var image in done.Result.Images)
        {
            using var png = await web.Http.GetAsync(image.Url);
            Assert.Equal(HttpStatusCode.OK, png.StatusCode);
            Assert.Equal("image/png", png.Content.Headers.ContentType?.MediaType);
            var bytes = await png.Content.ReadAsByteArrayAsync();
            Assert.Equal(image.Bytes, bytes.Length);
            Assert.Equal((WebAppFixture.ImageSize, WebAppFixture.ImageSize), Png.Size(bytes));
        }
    }

    [Fact]
    public async Task TheEventStreamReportsProgressAndEndsWithDone()
    {
        using var post = await web.Http.PostAsJsonAsync("/api/generations", Body("blue circle on black", seed: 12, candidates: 16, top: 4));
        var started = (await post.Content.ReadFromJsonAsync<GenerationDto>())!;

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var request = new HttpRequestMessage(HttpMethod.Get, started.Links.Events);
        request.Headers.Accept.ParseAdd("text/event-stream");
        using var response = await web.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var events = await SseReader.ReadAllAsync(await response.Content.ReadAsStreamAsync(timeout.Token), timeout.Token);

        var progress = events.Where(e => e.Name == "progress").Select(e => JsonSerializer.Deserialize<ProgressDto>(e.Data, Json)!).ToList();
        Assert.NotEmpty(progress);
        Assert.Equal(16, progress[0].Candidates);
        Assert.True(progress.Zip(progress.Skip(1)).All(p => p.Second.TokensDone >= p.First.TokensDone), "progress went backwards");
        Assert.Equal("done", events[^1].Name);
        Assert.Single(events, e => e.Name == "done");
        var done = JsonSerializer.Deserialize<GenerationDto>(events[^1].Data, Json)!;
        Assert.Equal(started.Id, done.Id);
        Assert.Equal(4, done.Result!.Images.Count);
    }

    [Fact]
    public async Task PostingAFinishedRequestAgainAnswersWithTheResultAtOnce()
    {
        var body = Body("a yellow triangle", seed: 13);
        using var first = await web.Http.PostAsJsonAsync("/api/generations", body);
        var id = (await first.Content.ReadFromJsonAsync<GenerationDto>())!.Id;
        await web.WaitForFinishAsync(id);

        using var again = await web.Http.PostAsJsonAsync("/api/generations", body);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        var generation = (await again.Content.ReadFromJsonAsync<GenerationDto>())!;
        Assert.NotEqual(id, generation.Id);                 // the second requester's own ticket…
        Assert.Equal("done", generation.Status);            // …on the same finished generation
        Assert.Equal(3, generation.Result!.Images.Count);

        // A finished generation's stream is short: its last progress, then done.
        var events = await SseReader.ReadAllAsync(await web.Http.GetStreamAsync(generation.Links.Events), CancellationToken.None);
        Assert.Equal(new[] { "progress", "done" }, events.Select(e => e.Name));
    }

    [Fact]
    public async Task WithoutASeedEveryRequestDrawsAFreshOneAndTheSameExplicitSeedGivesTheSameBytes()
    {
        var body = new { prompt = "a purple square on the right", candidates = 4, top = 2 };
        using var firstPost = await web.Http.PostAsJsonAsync("/api/generations", body);
        using var secondPost = await web.Http.PostAsJsonAsync("/api/generations", body);
        var first = (await firstPost.Content.ReadFromJsonAsync<GenerationDto>())!;
        var second = (await secondPost.Content.ReadFromJsonAsync<GenerationDto>())!;
        Assert.Equal(HttpStatusCode.Accepted, secondPost.StatusCode);       // a new generation, not the first one's result
        Assert.NotEqual(first.Seed, second.Seed);
        foreach (var seed in new[] { first.Seed, second.Seed }) Assert.InRange(seed, 0, (1L << 53) - 1);
        var done = await web.WaitForFinishAsync(first.Id);
        Assert.Equal(first.Seed, done.Seed);

        // The reported seed, given explicitly in a request that differs otherwise (top 1: its own generation, no
        // shared job or cache entry), draws the same candidates: its best image is byte for byte the first one's.
        using var replay = await web.Http.PostAsJsonAsync("/api/generations", new { body.prompt, body.candidates, top = 1, seed = first.Seed });
        Assert.Equal(HttpStatusCode.Accepted, replay.StatusCode);
        var replayed = await web.WaitForFinishAsync((await replay.Content.ReadFromJsonAsync<GenerationDto>())!.Id);
        Assert.False(replayed.Result!.CacheHit);
        Assert.Equal(await web.Http.GetByteArrayAsync(done.Result!.Images[0].Url), await web.Http.GetByteArrayAsync(replayed.Result.Images[0].Url));
        await web.WaitForFinishAsync(second.Id);
    }

    [Fact]
    public async Task AnImageDownloadsAsAnAttachment()
    {
        using var post = await web.Http.PostAsJsonAsync("/api/generations", Body("an orange square in the center", seed: 14));
        var done = await web.WaitForFinishAsync((await post.Content.ReadFromJsonAsync<GenerationDto>())!.Id);
        using var response = await web.Http.GetAsync(done.Result!.Images[0].DownloadUrl);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("attachment", response.Content.Headers.ContentDisposition?.DispositionType);
        Assert.EndsWith("-1.png", response.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
        Assert.True(Png.HasSignature(await response.Content.ReadAsByteArrayAsync()));

        using var shortForm = await web.Http.GetAsync(done.Result.Images[0].Url + "?download=1");
        Assert.Equal("attachment", shortForm.Content.Headers.ContentDisposition?.DispositionType);
        using var inline = await web.Http.GetAsync(done.Result.Images[0].Url);
        Assert.Null(inline.Content.Headers.ContentDisposition);
    }

    [Fact]
    public async Task ThePagesFormStartsAtTheApisDefaults()
    {
        // The form's inputs copy GenerationRequest's defaults (guidance 2 among them): a user of the page gets what a
        // caller of the API who leaves the option out gets.
        string html = await web.Http.GetStringAsync("/");
        string Value(string name) => System.Text.RegularExpressions.Regex.Match(html, $"<input name=\"{name}\"[^>]*value=\"([^\"]*)\"").Groups[1].Value;
        var defaults = new DalleOrleans.Abstractions.GenerationRequest();
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        Assert.Equal(
            new[] { defaults.Candidates, defaults.Top, defaults.Temperature, defaults.TopK, defaults.TopP, defaults.GuidanceScale }.Select(v => Convert.ToDouble(v, inv)),
            new[] { "candidates", "top", "temperature", "topK", "topP", "guidance" }.Select(n => double.Parse(Value(n), inv)));
    }

    [Fact]
    public async Task ThePageAndItsScriptAreServedWithAStrictPolicy()
    {
        using var page = await web.Http.GetAsync("/");
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        string html = await page.Content.ReadAsStringAsync();
        Assert.Contains("id=\"prompt-form\"", html);
        Assert.Contains("<details id=\"options\">", html);
        Assert.DoesNotContain("http://", html);                 // no CDN: everything comes from this origin
        Assert.Contains("script-src 'self'", page.Headers.GetValues("Content-Security-Policy").Single());

        using var script = await web.Http.GetAsync("/app.js");
        Assert.Equal("text/javascript", script.Content.Headers.ContentType?.MediaType);
        Assert.Contains("EventSource", await script.Content.ReadAsStringAsync());
        using var style = await web.Http.GetAsync("/app.css");
        Assert.Contains("image-rendering: pixelated", await style.Content.ReadAsStringAsync());
    }

    [Fact]
    public void TheAppListensOnLoopbackOnly()
    {
        Assert.Equal("127.0.0.1", web.BaseAddress.Host);
        Assert.True(DalleOrleans.Web.Hosting.WebAppFactory.LoopbackOnly(web.App));
    }

    [Fact]
    public async Task HealthNamesTheServedModel()
    {
        var health = await web.Http.GetFromJsonAsync<JsonElement>("/api/health");
        Assert.Equal("ready", health.GetProperty("status").GetString());
        Assert.Equal("embedded", health.GetProperty("mode").GetString());
        Assert.Equal("tiny-test", health.GetProperty("modelId").GetString());
    }
}
