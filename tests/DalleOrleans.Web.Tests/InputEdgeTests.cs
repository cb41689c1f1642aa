using System.Net;
using System.Net.Http.Json;
using System.Text;

namespace DalleOrleans.Web.Tests;

/// <summary>
/// The input list, case by case, where ValidationTests does not already cover it: each bad value is a 400
/// naming the field and its limit; emoji and other scripts are accepted (unknown tokens become [UNK]).
/// </summary>
[Collection(WebCollection.Name)]
public sealed class InputEdgeTests(WebAppFixture web)
{
    const string P = "\"prompt\":\"a red circle\"";

    [Theory]
    [InlineData("{" + P + ",\"candidates\":-3}", "candidates", "between 1 and 64")]
    [InlineData("{" + P + ",\"top\":0}", "top", "between 1 and candidates")]
    [InlineData("{" + P + ",\"top\":-1}", "top", "between 1 and candidates")]
    [InlineData("{" + P + ",\"temperature\":-1}", "temperature", "(0, 100]")]
    [InlineData("{" + P + ",\"temperature\":1e309}", "temperature", "a number in (0, 100]")]
    [InlineData("{" + P + ",\"temperature\":NaN}", "temperature", "a number in (0, 100]")]
    [InlineData("{" + P + ",\"temperature\":\"NaN\"}", "temperature", "a number in (0, 100]")]
    [InlineData("{" + P + ",\"temperature\":\"-Infinity\"}", "temperature", "a number in (0, 100]")]
    [InlineData("{" + P + ",\"topK\":-1}", "topK", "top-k")]
    [InlineData("{" + P + ",\"topK\":2147483648}", "topK", "whole number from 0")]
    [InlineData("{" + P + ",\"topP\":0}", "topP", "(0, 1]")]
    [InlineData("{" + P + ",\"topP\":-0.5}", "topP", "(0, 1]")]
    [InlineData("{" + P + ",\"topP\":\"Infinity\"}", "topP", "a number in (0, 1]")]
    [InlineData("{" + P + ",\"guidance\":-0.1}", "guidance", "[0, 20]")]
    [InlineData("{" + P + ",\"guidance\":\"NaN\"}", "guidance", "[0, 20]")]
    [InlineData("{" + P + ",\"seed\":9007199254740992}", "seed", "between 0 and 9007199254740991")]
    [InlineData("{" + P + ",\"seed\":-9223372036854775808}", "seed", "between 0 and 9007199254740991")]
    [InlineData("{" + P + ",\"seed\":true}", "seed", "whole number between 0 and")]
    [InlineData("{\"prompt\":\"\"}", "prompt", "empty")]
    [InlineData("{\"prompt\":\"\\t\\n \\r\"}", "prompt", "empty")]
    [InlineData("{\"prompt\":\"a\\u0000b\"}", "prompt", "control character U+0000")]
    [InlineData("{\"prompt\":\"a\\u001bb\"}", "prompt", "control character U+001B")]
    [InlineData("{\"prompt\":\"a\\u007fb\"}", "prompt", "control character U+007F")]
    [InlineData("{\"prompt\":\"a \\ud800 b\"}", "prompt", "surrogate")]
    [InlineData("{\"prompt\":\"a \\udfff b\"}", "prompt", "surrogate")]
    [InlineData("{\"prompt\":\"a red circle\",\"style\":\"oil\"}", "style", "not a field")]
    [InlineData("{\"prompt\":\"a red circle\",\"__proto__\":{}}", "__proto__", "not a field")]
    public async Task EachBadValueIsA400NamingTheFieldAndItsLimit(string json, string field, string limit)
    {
        using var response = await web.Http.PostAsync("/api/generations", ProblemAssert.Json(json));
        var problem = await ProblemAssert.IsAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal(field, problem.Field);
        Assert.Contains(limit, problem.Detail);
    }

    [Fact]
    public async Task InvalidUtf8BytesAreA400()
    {
        var bytes = Encoding.UTF8.GetBytes("{\"prompt\":\"a red XX circle\"}");
        bytes[17] = 0xC3; bytes[18] = 0x28;                     // a broken two-byte sequence
        using var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new("application/json");
        using var response = await web.Http.PostAsync("/api/generations", content);
        await ProblemAssert.IsAsync(response, HttpStatusCode.BadRequest);
    }

    [Theory]
    [InlineData("a red circle 🔴✨")]
    [InlineData("красный круг")]
    [InlineData("赤い円 on blue")]
    [InlineData("دائرة حمراء")]
    public async Task EmojiAndOtherScriptsAreAcceptedAndGenerate(string prompt)
    {
        using var post = await web.Http.PostAsJsonAsync("/api/generations", new { prompt, candidates = 1, top = 1, seed = 77 });
        Assert.True(post.StatusCode is HttpStatusCode.Accepted or HttpStatusCode.OK, await post.Content.ReadAsStringAsync());
        var done = await web.WaitForFinishAsync((await post.Content.ReadFromJsonAsync<GenerationDto>())!.Id);
        Assert.Equal("done", done.Status);
        Assert.Equal(prompt, done.Prompt);
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData("multipart/form-data; boundary=x")]
    [InlineData("application/xml")]
    public async Task AnyContentTypeButJsonIsA415(string contentType)
    {
        using var content = new ByteArrayContent(Encoding.UTF8.GetBytes("{" + P + "}"));
        content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        using var response = await web.Http.PostAsync("/api/generations", content);
        var problem = await ProblemAssert.IsAsync(response, HttpStatusCode.UnsupportedMediaType);
        Assert.Contains("application/json", problem.Detail);
    }

    [Fact]
    public async Task AMissingContentTypeIsA415()
    {
        using var content = new ByteArrayContent(Encoding.UTF8.GetBytes("{" + P + "}"));
        using var response = await web.Http.PostAsync("/api/generations", content);
        await ProblemAssert.IsAsync(response, HttpStatusCode.UnsupportedMediaType);
    }

    [Fact]
    public async Task AnOversizedChunkedBodyIsA413()
    {
        // No Content-Length: the size is only known while reading, and reading stops at the limit.
        var big = Encoding.UTF8.GetBytes("{\"prompt\":\"" + new string('a', web.Options.MaxBodyBytes * 4) + "\"}");
        using var content = new StreamContent(new NonSeekableStream(big));
        content.Headers.ContentType = new("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/generations") { Content = content };
        request.Headers.TransferEncodingChunked = true;
        using var response = await web.Http.SendAsync(request);
        await ProblemAssert.IsAsync(response, HttpStatusCode.RequestEntityTooLarge);
    }

    [Theory]
    [InlineData("/api/generations/%2e%2e%2f%2e%2e%2fetc%2fpasswd")]
    [InlineData("/api/generations/..%5c..%5cwindows")]
    [InlineData("/api/generations/000000000000000000000000000000000000000000000000000000000000000g")]
    [InlineData("/api/generations/00000000000000000000000000000000000000000000000000000000000000000")]
    public async Task IdsThatAreNotFingerprintsAre400s(string path)
    {
        using var response = await web.Http.GetAsync(path);
        var problem = await ProblemAssert.IsAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal("id", problem.Field);
    }

    [Fact]
    public async Task ANulInThePathIsRefusedByTheServerItself()
    {
        // Kestrel refuses a request target that decodes to NUL before routing: a plain 400, never the app.
        using var response = await web.Http.GetAsync($"/api/generations/{new string('0', 64)}%00");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task PathTraversalOutsideTheApiReachesNoFile()
    {
        foreach (var path in new[] { "/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/wwwroot/app.js", "/DalleOrleans.Web.dll", "/appsettings.json" })
        {
            using var response = await web.Http.GetAsync(path);
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        }
    }

    /// <summary>Forces HttpClient to stream the body (no length known up front).</summary>
    sealed class NonSeekableStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}
