using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using DalleOrleans.Web.Hosting;

namespace DalleOrleans.Web.Tests;

/// <summary>
/// With no generator (here: an embedded silo whose model folder holds no model, so no device ever registers) the web
/// host stays live and ready and serves the page, which says so; only generation requests are refused, with 503.
/// </summary>
public sealed class NoGeneratorTests
{
    [Fact]
    public async Task WithoutADeviceThePageIsStillServedAndReadyAndSaysNoGeneratorIsAvailable()
    {
        string empty = Directory.CreateTempSubdirectory("dalle-no-model-").FullName;
        await using var app = WebAppFactory.Build(new WebOptions { ModelPath = empty, Urls = "http://127.0.0.1:0", RateLimit = 0 });
        await app.StartAsync();
        try
        {
            using var http = new HttpClient { BaseAddress = WebAppFactory.BoundAddress(app), Timeout = TimeSpan.FromSeconds(60) };
            using (var live = await http.GetAsync("/healthz")) Assert.Equal(HttpStatusCode.OK, live.StatusCode);
            using (var ready = await http.GetAsync("/readyz"))
            {
                Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
                var checks = (await ready.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("checks");
                Assert.Contains("no device", checks.GetProperty("cluster").GetProperty("detail").GetString());
            }
            using (var page = await http.GetAsync("/")) Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            using (var health = await http.GetAsync("/api/health"))
                Assert.Equal("No generator available", (await ProblemAssert.IsAsync(health, HttpStatusCode.ServiceUnavailable)).Title);
            using var post = await http.PostAsJsonAsync("/api/generations", new { prompt = "a red circle" });
            var problem = await ProblemAssert.IsAsync(post, HttpStatusCode.ServiceUnavailable);
            Assert.Equal("No generator available", problem.Title);
            Assert.NotNull(post.Headers.RetryAfter);
        }
        finally
        {
            using var stopping = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            await app.StopAsync(stopping.Token);
            Directory.Delete(empty, recursive: true);
        }
    }
}
