using System.Security.Cryptography;
using System.Text;
using DalleOrleans.Web.Api;

namespace DalleOrleans.Web.Hosting;

/// <summary>
/// The optional API key: an endpoint filter on the routes that start work. With no key configured it lets
/// everything through (the loopback-only default). With one, a request without the right X-Api-Key header gets a
/// 401 problem before its body is read.
/// </summary>
public sealed class ApiKeyCheck(string? key) : IEndpointFilter
{
    public const string Header = "X-Api-Key";

    /// <summary>Compared as SHA-256 digests: fixed-length, constant-time, so neither the key's length nor a matching prefix leaks through timing.</summary>
    readonly byte[]? _expected = key is null ? null : Digest(key);

    public bool Required => _expected is not null;

    public bool Accepts(string? presented) =>
        _expected is null || (presented is not null && CryptographicOperations.FixedTimeEquals(_expected, Digest(presented)));

    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var headers = context.HttpContext.Request.Headers;
        // Several X-Api-Key values are refused rather than guessed between.
        string? presented = headers.TryGetValue(Header, out var values) && values.Count == 1 ? values[0] : null;
        if (Accepts(presented)) return next(context);
        context.HttpContext.Response.Headers.WWWAuthenticate = $"ApiKey header=\"{Header}\"";
        return ValueTask.FromResult<object?>(Problems.Status(StatusCodes.Status401Unauthorized, "API key required",
            presented is null
                ? $"this server needs an API key: send it in the {Header} header."
                : $"the {Header} header does not hold this server's API key."));
    }

    static byte[] Digest(string s) => SHA256.HashData(Encoding.UTF8.GetBytes(s));
}
