using System.Net;
using System.Net.Http.Json;

namespace DalleOrleans.Web.Tests;

/// <summary>The API key, the per-client rate limit, and what stays public, on the guarded app.</summary>
[Collection(GuardedCollection.Name)]
public sealed class SecurityTests(GuardedWebAppFixture web)
{
    [Fact]
    public async Task StartingAGenerationNeedsTheApiKey()
    {
        using var http = web.Client("127.0.0.2", withKey: false);
        const string body = "{\"prompt\":\"a red circle\",\"candidates\":1,\"top\":1,\"seed\":501}";

        using (var missing = await http.PostAsync("/api/generations", ProblemAssert.Json(body)))
        {
            var problem = await ProblemAssert.IsAsync(missing, HttpStatusCode.Unauthorized);
            Assert.Contains("X-Api-Key", problem.Detail);
            Assert.Contains("X-Api-Key", missing.Headers.WwwAuthenticate.ToString());
        }
        foreach (var wrong in new[] { "nope", GuardedWebAppFixture.ApiKey + "x", GuardedWebAppFixture.ApiKey[..^1] })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/generations") { Content = ProblemAssert.Json(body) };
            request.Headers.Add("X-Api-Key", wrong);
            using var response = await http.SendAsync(request);
            await ProblemAssert.IsAsync(response, HttpStatusCode.Unauthorized);
        }

        using var keyed = web.Client("127.0.0.2");
        using var accepted = await keyed.PostAsync("/api/generations", ProblemAssert.Json(body));
        Assert.True(accepted.StatusCode is HttpStatusCode.Accepted or HttpStatusCode.OK, await accepted.Content.ReadAsStringAsync());
        var generation = (await accepted.Content.ReadFromJsonAsync<GenerationDto>())!;

        // The page, its script, the document and the health check stay public.
        using var reader = web.Client("127.0.0.2", withKey: false);
        foreach (var path in new[] { "/", "/app.js", "/api/health", "/openapi/v1.json" })
        {
            using var response = await reader.GetAsync(path);
            Assert.True(response.IsSuccessStatusCode, $"{path}: {(int)response.StatusCode}");
        }
        // The generation itself is readable only with the key that created it: without a key 401, with another
        // configured key it does not exist (404), with the creator's key it does.
        foreach (var path in new[] { generation.Links.Self, generation.Links.Events, $"{generation.Links.Self}/preview.png" })
        {
            using (var keyless = await reader.GetAsync(path)) await ProblemAssert.IsAsync(keyless, HttpStatusCode.Unauthorized);
            using var other = web.Client("127.0.0.2", key: GuardedWebAppFixture.OtherApiKey);
            using (var foreign = await other.GetAsync(path)) await ProblemAssert.IsAsync(foreign, HttpStatusCode.NotFound);
        }
        using (var stranger = web.Client("127.0.0.12", key: GuardedWebAppFixture.OtherApiKey))
        using (var foreignDelete = await stranger.DeleteAsync(generation.Links.Self))
            await ProblemAssert.IsAsync(foreignDelete, HttpStatusCode.NotFound);
        using (var own = await keyed.GetAsync(generation.Links.Self)) Assert.Equal(HttpStatusCode.OK, own.StatusCode);
        Assert.DoesNotContain(generation.Id, await (await keyed.GetAsync("/metrics")).Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task TheRateLimitIsPerClientAndAnswers429WithRetryAfter()
    {
        using var busy = web.Client("127.0.0.3");
        // Invalid bodies count too: the limit applies before the body is read, so floods of junk are capped as well.
        for (int i = 0; i < GuardedWebAppFixture.RateLimit; i++)
        {
            using var response = await busy.PostAsync("/api/generations", ProblemAssert.Json("{\"prompt\":\"\"}"));
            await ProblemAssert.IsAsync(response, HttpStatusCode.BadRequest);
        }
        using (var limited = await busy.PostAsync("/api/generations", ProblemAssert.Json("{\"prompt\":\"\"}")))
        {
            var problem = await ProblemAssert.IsAsync(limited, HttpStatusCode.TooManyRequests);
            Assert.Contains($"at most {GuardedWebAppFixture.RateLimit}", problem.Detail);
            var retryAfter = limited.Headers.RetryAfter?.Delta;
            Assert.NotNull(retryAfter);
            Assert.InRange(retryAfter!.Value.TotalSeconds, 1, 3600);
        }
        // Reads have their own budget, and another client still has its whole budget.
        using (var read = await busy.GetAsync($"/api/generations/{new string('e', 64)}")) await ProblemAssert.IsAsync(read, HttpStatusCode.NotFound);
        using var other = web.Client("127.0.0.4");
        using var fresh = await other.PostAsync("/api/generations", ProblemAssert.Json("{\"prompt\":\"\"}"));
        await ProblemAssert.IsAsync(fresh, HttpStatusCode.BadRequest);
    }
}
