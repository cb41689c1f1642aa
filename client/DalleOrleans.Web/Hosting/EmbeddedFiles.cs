namespace DalleOrleans.Web.Hosting;

/// <summary>
/// Serves the page's files embedded in this assembly at fixed routes. Only the listed
/// names are reachable, and each is read once at start-up.
/// </summary>
public static class EmbeddedFiles
{
    /// <summary>Route → (embedded resource name, content type).</summary>
    static readonly (string Route, string Resource, string ContentType)[] Files =
    {
        ("/", "wwwroot/index.html", "text/html; charset=utf-8"),
        ("/app.js", "wwwroot/app.js", "text/javascript; charset=utf-8"),
        ("/app.css", "wwwroot/app.css", "text/css; charset=utf-8"),
    };

    /// <summary>Nothing but this origin's own files: no inline script, no CDN, images from the API only.</summary>
    const string PagePolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

    public static void MapEmbeddedFiles(this IEndpointRouteBuilder app)
    {
        foreach (var (route, resource, contentType) in Files)
        {
            byte[] bytes = Read(resource);
            app.MapGet(route, (HttpContext http) =>
            {
                http.Response.Headers.CacheControl = "no-cache";
                if (route == "/") http.Response.Headers.ContentSecurityPolicy = PagePolicy;
                return Results.Bytes(bytes, contentType);
            }).ExcludeFromDescription();
        }
    }

    static byte[] Read(string resource)
    {
        using var stream = typeof(EmbeddedFiles).Assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"embedded file '{resource}' is missing from the build.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
