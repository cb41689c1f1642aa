using System.Security.Cryptography;
using System.Text;
using DalleOrleans.Web.Api;

namespace DalleOrleans.Web.Hosting;

/// <summary>
/// The optional API keys: an endpoint filter on every generation route. With no key configured it lets everything
/// through (the loopback-only default). With keys, a request without one of them in the X-Api-Key header gets a 401
/// problem before its body is read, and a generation is readable only with the key that created it (<see cref="Owner"/>).
/// </summary>
public sealed class ApiKeyCheck : IEndpointFilter
{
    public const string Header = "X-Api-Key";

    /// <summary>Compared as SHA-256 digests: fixed-length, constant-time, so neither a key's length nor a matching prefix leaks through timing.</summary>
    readonly byte[][] _expected;

    public ApiKeyCheck(string? key) : this(key is null ? [] : [key]) { }

    public ApiKeyCheck(IEnumerable<string> keys) => _expected = keys.Select(Digest).ToArray();

    public bool Required => _expected.Length > 0;

    public bool Accepts(string? presented) => !Required || Match(presented) is not null;

    /// <summary>The digest of the configured key the request presents; null when keys are off or it presents none of them.</summary>
    public byte[]? Owner(HttpContext http) => Required ? Match(Presented(http)) : null;

    /// <summary>Whether this request may read a generation created by <paramref name="owner"/> (always, without keys).</summary>
    public bool MayRead(HttpContext http, byte[]? owner) =>
        !Required || (owner is not null && Owner(http) is { } mine && CryptographicOperations.FixedTimeEquals(mine, owner));

    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        string? presented = Presented(context.HttpContext);
        if (Accepts(presented)) return next(context);
        context.HttpContext.Response.Headers.WWWAuthenticate = $"ApiKey header=\"{Header}\"";
        return ValueTask.FromResult<object?>(Problems.Status(StatusCodes.Status401Unauthorized, "API key required",
            presented is null
                ? $"this server needs an API key: send it in the {Header} header."
                : $"the {Header} header does not hold an API key of this server."));
    }

    /// <summary>Several X-Api-Key values are refused rather than guessed between.</summary>
    static string? Presented(HttpContext http) =>
        http.Request.Headers.TryGetValue(Header, out var values) && values.Count == 1 ? values[0] : null;

    byte[]? Match(string? presented)
    {
        if (presented is null) return null;
        var digest = Digest(presented);
        byte[]? found = null;
        foreach (var expected in _expected)          // every key is compared, so timing does not tell which one matched
            if (CryptographicOperations.FixedTimeEquals(expected, digest)) found = expected;
        return found;
    }

    static byte[] Digest(string s) => SHA256.HashData(Encoding.UTF8.GetBytes(s));
}
