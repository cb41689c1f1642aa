using System.Text.Json;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;

namespace DalleOrleans.Web.Tests;

/// <summary>The hand-written OpenAPI document is served and matches the app's routes in both directions.</summary>
[Collection(WebCollection.Name)]
public sealed class OpenApiTests(WebAppFixture web)
{
    [Fact]
    public async Task TheDocumentIsServedAndDescribesEveryApiRouteThatExists()
    {
        using var response = await web.Http.GetAsync("/openapi/v1.json");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.StartsWith("3.", document.RootElement.GetProperty("openapi").GetString());

        var documented = document.RootElement.GetProperty("paths").EnumerateObject()
            .SelectMany(path => path.Value.EnumerateObject().Select(op => (Path: path.Name, Method: op.Name.ToUpperInvariant())))
            .ToHashSet();
        var routed = ((IEndpointRouteBuilder)web.App).DataSources.SelectMany(s => s.Endpoints).OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.TrimStart('/').StartsWith("api/") == true)
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? new[] { "GET" })
                .Select(m => (Path: Template(e.RoutePattern), Method: m)))
            .ToHashSet();

        Assert.NotEmpty(routed);
        Assert.Empty(documented.Except(routed));     // documented but not served
        Assert.Empty(routed.Except(documented));     // served but not documented
    }

    [Fact]
    public async Task EveryReferenceResolves()
    {
        string json = await web.Http.GetStringAsync("/openapi/v1.json");
        using var document = JsonDocument.Parse(json);
        foreach (var reference in References(document.RootElement))
        {
            var node = document.RootElement;
            foreach (var part in reference.TrimStart('#', '/').Split('/'))
                Assert.True(node.TryGetProperty(part, out node), $"$ref {reference} does not resolve");
        }
    }

    /// <summary>A route pattern written as an OpenAPI path: "/api/generations/{id}/images/{rank}.png".</summary>
    static string Template(RoutePattern pattern) =>
        "/" + string.Join('/', pattern.PathSegments.Select(segment => string.Concat(segment.Parts.Select(part => part switch
        {
            RoutePatternLiteralPart literal => literal.Content,
            RoutePatternParameterPart parameter => "{" + parameter.Name + "}",
            RoutePatternSeparatorPart separator => separator.Content,
            _ => "?",
        }))));

    static IEnumerable<string> References(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => element.EnumerateObject().SelectMany(p =>
            p.Name == "$ref" ? new[] { p.Value.GetString()! } : References(p.Value)),
        JsonValueKind.Array => element.EnumerateArray().SelectMany(References),
        _ => Array.Empty<string>(),
    };
}
