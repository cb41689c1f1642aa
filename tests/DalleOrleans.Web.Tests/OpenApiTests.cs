using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;

namespace DalleOrleans.Web.Tests;

/// <summary>
/// The OpenAPI document is generated from the endpoints: it describes every route that exists (both ways), the API-key
/// scheme and the query parameters, and real responses of the running app conform to its schemas.
/// </summary>
[Collection(WebCollection.Name)]
public sealed class OpenApiTests(WebAppFixture web)
{
    async Task<JsonElement> DocumentAsync()
    {
        using var response = await web.Http.GetAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).Clone();
    }

    [Fact]
    public async Task TheDocumentDescribesEveryRouteThatExistsAndNoOther()
    {
        var document = await DocumentAsync();
        Assert.StartsWith("3.", document.GetProperty("openapi").GetString());
        var documented = document.GetProperty("paths").EnumerateObject()
            .SelectMany(path => path.Value.EnumerateObject()
                .Where(op => op.Name is "get" or "post" or "put" or "delete" or "patch")
                .Select(op => (Path: path.Name, Method: op.Name.ToUpperInvariant())))
            .ToHashSet();
        var routed = ((IEndpointRouteBuilder)web.App).DataSources.SelectMany(s => s.Endpoints).OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<IExcludeFromDescriptionMetadata>()?.ExcludeFromDescription != true)
            .Where(e => e.RoutePattern.RawText != "/openapi/{documentName}.json")          // the document itself
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? new[] { "GET" })
                .Select(m => (Path: Template(e.RoutePattern), Method: m)))
            .ToHashSet();

        Assert.Contains(("/healthz", "GET"), documented);
        Assert.Contains(("/readyz", "GET"), documented);
        Assert.Contains(("/metrics", "GET"), documented);
        Assert.Contains(("/api/health", "GET"), documented);
        Assert.Contains(("/api/generations/{id}", "DELETE"), documented);
        Assert.Empty(documented.Except(routed));     // documented but not served
        Assert.Empty(routed.Except(documented));     // served but not documented
    }

    [Fact]
    public async Task TheApiKeySchemeAndTheQueryParametersAreDescribed()
    {
        var document = await DocumentAsync();
        var scheme = document.GetProperty("components").GetProperty("securitySchemes").GetProperty("ApiKey");
        Assert.Equal("apiKey", scheme.GetProperty("type").GetString());
        Assert.Equal("header", scheme.GetProperty("in").GetString());
        Assert.Equal("X-Api-Key", scheme.GetProperty("name").GetString());
        foreach (var path in document.GetProperty("paths").EnumerateObject().Where(p => p.Name.StartsWith("/api/generations")))
            foreach (var operation in path.Value.EnumerateObject())
                Assert.Contains(operation.Value.GetProperty("security").EnumerateArray(), r => r.TryGetProperty("ApiKey", out _));

        Assert.Equal(["tokens"], QueryParameters(document, "/api/generations/{id}/preview.png"));
        Assert.Equal(["download"], QueryParameters(document, "/api/generations/{id}/images/{rank}.png"));
    }

    [Fact]
    public async Task RealResponsesConformToTheDocumentsSchemas()
    {
        var document = await DocumentAsync();
        var checker = new SchemaChecker(document);

        using var post = await web.Http.PostAsJsonAsync("/api/generations", new { prompt = "a blue square at the top", candidates = 2, top = 1 });
        await ConformsAsync(checker, document, "/api/generations", "post", post, HttpStatusCode.Accepted);
        var started = (await post.Content.ReadFromJsonAsync<GenerationDto>())!;
        await web.WaitForFinishAsync(started.Id);
        using (var get = await web.Http.GetAsync(started.Links.Self))
            await ConformsAsync(checker, document, "/api/generations/{id}", "get", get, HttpStatusCode.OK);
        using (var unknown = await web.Http.GetAsync($"/api/generations/{new string('f', 64)}"))
            await ConformsAsync(checker, document, "/api/generations/{id}", "get", unknown, HttpStatusCode.NotFound);
        using (var invalid = await web.Http.PostAsync("/api/generations", ProblemAssert.Json("{\"prompt\":\"a\",\"candidates\":0}")))
            await ConformsAsync(checker, document, "/api/generations", "post", invalid, HttpStatusCode.BadRequest);
        using (var finished = await web.Http.DeleteAsync(started.Links.Self))
            await ConformsAsync(checker, document, "/api/generations/{id}", "delete", finished, HttpStatusCode.Conflict);
        using (var health = await web.Http.GetAsync("/api/health"))
            await ConformsAsync(checker, document, "/api/health", "get", health, HttpStatusCode.OK);
        using (var ready = await web.Http.GetAsync("/readyz"))
            await ConformsAsync(checker, document, "/readyz", "get", ready, HttpStatusCode.OK);
        using (var live = await web.Http.GetAsync("/healthz"))
            await ConformsAsync(checker, document, "/healthz", "get", live, HttpStatusCode.OK);

        // The events' payloads against the schemas the document names for them.
        var events = await SseReader.ReadAllAsync(await web.Http.GetStreamAsync(started.Links.Events), CancellationToken.None);
        var progressSchema = Response(document, "/api/generations/{id}/events", "get", "200", "text/event-stream");
        Assert.Empty(checker.Check(progressSchema, JsonDocument.Parse(events[0].Data).RootElement));
        var viewSchema = Response(document, "/api/generations/{id}", "get", "200", "application/json");
        Assert.Empty(checker.Check(viewSchema, JsonDocument.Parse(events[^1].Data).RootElement));
    }

    [Fact]
    public async Task TheCheckerRefusesWhatTheSchemasDoNotAllow()
    {
        var document = await DocumentAsync();
        var checker = new SchemaChecker(document);
        var schema = Response(document, "/api/generations/{id}", "get", "200", "application/json");
        using var post = await web.Http.PostAsJsonAsync("/api/generations", new { prompt = "a green square", candidates = 1, top = 1, seed = 4404 });
        var good = JsonDocument.Parse(await post.Content.ReadAsStringAsync()).RootElement;
        Assert.Empty(checker.Check(schema, good));

        string Mutate(string from, string to) => good.GetRawText().Replace(from, to);
        Assert.NotEmpty(checker.Check(schema, JsonDocument.Parse(Mutate("\"seed\":4404", "\"seed\":\"4404\"")).RootElement));   // wrong type
        Assert.NotEmpty(checker.Check(schema, JsonDocument.Parse(Mutate("\"status\":\"", "\"status\":\"bogus-")).RootElement));  // not in the enum
        Assert.NotEmpty(checker.Check(schema, JsonDocument.Parse(Mutate("\"links\":", "\"notLinks\":")).RootElement));           // required missing
    }

    static async Task ConformsAsync(SchemaChecker checker, JsonElement document, string path, string method, HttpResponseMessage response, HttpStatusCode expected)
    {
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(expected == response.StatusCode, $"{method} {path}: expected {(int)expected}, got {(int)response.StatusCode}: {body}");
        string mediaType = response.Content.Headers.ContentType!.MediaType!;
        var schema = Response(document, path, method, ((int)expected).ToString(), mediaType);
        var errors = checker.Check(schema, JsonDocument.Parse(body).RootElement);
        Assert.True(errors.Count == 0, $"{method} {path} {(int)expected} does not match its schema: {string.Join("; ", errors)}\n{body}");
    }

    /// <summary>The schema the document gives for a response; fails when the document does not describe it.</summary>
    static JsonElement Response(JsonElement document, string path, string method, string status, string mediaType)
    {
        Assert.True(document.GetProperty("paths").TryGetProperty(path, out var item), $"{path} is not documented");
        Assert.True(item.TryGetProperty(method, out var operation), $"{method} {path} is not documented");
        Assert.True(operation.GetProperty("responses").TryGetProperty(status, out var response), $"{method} {path} does not document {status}");
        JsonElement media = default;
        Assert.True(response.TryGetProperty("content", out var content) && content.TryGetProperty(mediaType, out media),
            $"{method} {path} {status} does not document {mediaType}: {response.GetRawText()}");
        return media.GetProperty("schema");
    }

    static string[] QueryParameters(JsonElement document, string path) =>
        document.GetProperty("paths").GetProperty(path).GetProperty("get").GetProperty("parameters").EnumerateArray()
            .Where(p => p.GetProperty("in").GetString() == "query").Select(p => p.GetProperty("name").GetString()!).ToArray();

    /// <summary>A route pattern written as an OpenAPI path: "/api/generations/{id}/images/{rank}.png".</summary>
    static string Template(RoutePattern pattern) =>
        "/" + string.Join('/', pattern.PathSegments.Select(segment => string.Concat(segment.Parts.Select(part => part switch
        {
            RoutePatternLiteralPart literal => literal.Content,
            RoutePatternParameterPart parameter => "{" + parameter.Name + "}",
            RoutePatternSeparatorPart separator => separator.Content,
            _ => "?",
        }))));
}
