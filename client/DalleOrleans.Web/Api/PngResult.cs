namespace DalleOrleans.Web.Api;

/// <summary>
/// A generated PNG: shown inline, or as an attachment when a file name is given. A ranked image's bytes are fixed by
/// the generation id and rank, so it may be cached for good; a preview changes, so it is not (<paramref name="immutable"/>).
/// </summary>
public sealed class PngResult(byte[] png, string? downloadName, bool immutable = true) : IResult
{
    public Task ExecuteAsync(HttpContext http)
    {
        var response = http.Response;
        response.ContentType = "image/png";
        response.ContentLength = png.Length;
        response.Headers.CacheControl = immutable ? "public, max-age=31536000, immutable" : "no-store";
        if (downloadName is not null) response.Headers.ContentDisposition = $"attachment; filename=\"{downloadName}\"";
        return response.Body.WriteAsync(png, http.RequestAborted).AsTask();
    }
}
