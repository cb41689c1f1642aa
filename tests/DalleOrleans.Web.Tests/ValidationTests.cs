using System.Net;
using System.Net.Http.Json;
using System.Text;

namespace DalleOrleans.Web.Tests;

/// <summary>Bad input of every kind is a 4xx problem+json naming what is wrong, never a 500.</summary>
[Collection(WebCollection.Name)]
public sealed class ValidationTests(WebAppFixture web)
{
    const string Prompt = "\"prompt\":\"a red circle\"";

    [Theory]
    [InlineData("{" + Prompt + ",\"candidates\":0}", "candidates", "between 1 and 64")]
    [InlineData("{" + Prompt + ",\"candidates\":65}", "candidates", "between 1 and 64")]
    [InlineData("{" + Prompt + ",\"candidates\":4,\"top\":5}", "top", "between 1 and candidates (4)")]
    [InlineData("{" + Prompt + ",\"seed\":-1}", "seed", "between 0 and 9007199254740991")]
    [InlineData("{" + Prompt + ",\"temperature\":0}", "temperature", "(0, 100]")]
    [InlineData("{" + Prompt + ",\"temperature\":100.5}", "temperature", "(0, 100]")]
    [InlineData("{" + Prompt + ",\"topK\":17}", "topK", "image vocabulary size 16")]
    [InlineData("{" + Prompt + ",\"topP\":1.5}", "topP", "(0, 1]")]
    [InlineData("{" + Prompt + ",\"guidance\":21}", "guidance", "[0, 20]")]
    [InlineData("{" + Prompt + ",\"candidates\":\"8\"}", "candidates", "whole number between 1 and 64")]
    [InlineData("{" + Prompt + ",\"candidates\":2.5}", "candidates", "whole number")]
    [InlineData("{" + Prompt + ",\"seed\":1e300}", "seed", "whole number between 0 and")]
    [InlineData("{" + Prompt + ",\"candidtes\":4}", "candidtes", "not a field")]
    [InlineData("{" + Prompt + ",\"top\":2,\"TOP\":3}", "top", "more than once")]
    [InlineData("{}", "prompt", "missing")]
    [InlineData("{\"prompt\":null}", "prompt", "missing")]
    [InlineData("{\"prompt\":\"   \"}", "prompt", "empty")]
    [InlineData("{\"prompt\":42}", "prompt", "string")]
    [InlineData("{\"prompt\":\"a red\\u0001circle\"}", "prompt", "control character")]
    [InlineData("{\"prompt\":\"circle circle circle circle circle circle circle circle circle circle circle circle circle circle circle circle circle\"}", "prompt", "tokens")]
    public async Task AnInvalidFieldIsA400NamingIt(string json, string field, string limit)
    {
        var problem = await PostProblemAsync(json, HttpStatusCode.BadRequest);
        Assert.Equal(field, problem.Field);
        Assert.Contains(limit, problem.Detail);
    }

    [Fact]
    public async Task AnOverLongPromptIsRefusedAtThePostWithTheServedModelsLimit()
    {
        // The limit is the tiny model's text length, published by its device; the front end holds no constant for it.
        foreach (var prompt in new[] { string.Join(' ', Enumerable.Repeat("circle", WebAppFixture.PromptTokens + 1)), new string('a', 10_000) })
        {
            var problem = await PostProblemAsync(System.Text.Json.JsonSerializer.Serialize(new { prompt }), HttpStatusCode.BadRequest);
            Assert.Equal("prompt", problem.Field);
            Assert.Equal(WebAppFixture.PromptTokens, problem.Limit);
            Assert.Contains($"at most {WebAppFixture.PromptTokens} tokens", problem.Detail);
        }
    }

    [Theory]
    [InlineData("{", "not valid JSON")]
    [InlineData("[1,2]", "JSON object")]
    [InlineData("\"a red circle\"", "JSON object")]
    [InlineData("", "body is empty")]
    public async Task AMalformedBodyIsA400(string json, string detail)
    {
        var problem = await PostProblemAsync(json, HttpStatusCode.BadRequest);
        Assert.Contains(detail, problem.Detail);
    }

    [Theory]
    [InlineData("{\"prompt\":\"a\",\"temperature\":NaN}")]
    [InlineData("{\"prompt\":\"a\",\"temperature\":\"Infinity\"}")]
    [InlineData("{\"prompt\":\"a\",\"seed\":9007199254740992}")]
    [InlineData("{\"prompt\":\"a\",\"candidates\":99999999999999999999}")]
    [InlineData("{\"prompt\":\"\\ud800\"}")]
    [InlineData("{\"prompt\":[\"a\"]}")]
    [InlineData("{\"prompt\":{\"text\":\"a\"}}")]
    [InlineData("{\"\":1}")]
    [InlineData("[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]")]
    [InlineData("{\"prompt\":\"a\"} trailing")]
    public async Task OddBodiesAre400sNever500s(string json)
    {
        var problem = await PostProblemAsync(json, HttpStatusCode.BadRequest);
        Assert.False(string.IsNullOrEmpty(problem.Detail));
    }

    [Fact]
    public async Task AWrongContentTypeIsA415()
    {
        using var content = new StringContent("{" + Prompt + "}", Encoding.UTF8, "text/plain");
        using var response = await web.Http.PostAsync("/api/generations", content);
        await AssertProblemAsync(response, HttpStatusCode.UnsupportedMediaType);
    }

    [Fact]
    public async Task ABodyOverTheLimitIsA413()
    {
        string json = "{\"prompt\":\"" + new string('a', web.Options.MaxBodyBytes) + "\"}";
        await PostProblemAsync(json, HttpStatusCode.RequestEntityTooLarge);
    }

    [Theory]
    [InlineData("/api/generations/abc")]
    [InlineData("/api/generations/ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789")]
    [InlineData("/api/generations/..%2F..%2F..%2Fetc%2Fpasswd")]
    [InlineData("/api/generations/abc/events")]
    [InlineData("/api/generations/abc/images/1.png")]
    public async Task AMalformedIdIsA400(string path)
    {
        using var response = await web.Http.GetAsync(path);
        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal("id", problem.Field);
    }

    [Theory]
    [InlineData("")]
    [InlineData("/events")]
    [InlineData("/images/1.png")]
    public async Task AnUnknownIdIsA404(string suffix)
    {
        using var response = await web.Http.GetAsync($"/api/generations/{new string('0', 64)}{suffix}");
        await AssertProblemAsync(response, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task AMissingRankIsA404()
    {
        using var post = await web.Http.PostAsJsonAsync("/api/generations", new { prompt = "small green square at the bottom", candidates = 2, top = 1, seed = 15 });
        var done = await web.WaitForFinishAsync((await post.Content.ReadFromJsonAsync<GenerationDto>())!.Id);
        foreach (var rank in new[] { "2", "0", "x", "99999999999999" })
        {
            using var response = await web.Http.GetAsync($"/api/generations/{done.Id}/images/{rank}.png");
            await AssertProblemAsync(response, HttpStatusCode.NotFound);
        }
    }

    [Fact]
    public async Task UnknownRoutesAndMethodsAreProblemsToo()
    {
        using (var response = await web.Http.GetAsync("/api/nothing-here")) await AssertProblemAsync(response, HttpStatusCode.NotFound);
        using (var response = await web.Http.DeleteAsync("/api/generations")) await AssertProblemAsync(response, HttpStatusCode.MethodNotAllowed);
    }

    async Task<ProblemDto> PostProblemAsync(string json, HttpStatusCode expected)
    {
        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        using var response = await web.Http.PostAsync("/api/generations", content);
        return await AssertProblemAsync(response, expected);
    }

    static async Task<ProblemDto> AssertProblemAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(expected == response.StatusCode, $"expected {(int)expected}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = System.Text.Json.JsonSerializer.Deserialize<ProblemDto>(body, new System.Text.Json.JsonSerializerOptions(System.Text.Json.JsonSerializerDefaults.Web))!;
        Assert.Equal((int)expected, problem.Status);
        Assert.False(string.IsNullOrEmpty(problem.Title));
        return problem;
    }
}
