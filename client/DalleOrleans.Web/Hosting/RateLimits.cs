using System.Globalization;
using System.Net;
using System.Threading.RateLimiting;
using DalleOrleans.Web.Api;
using Microsoft.AspNetCore.RateLimiting;

namespace DalleOrleans.Web.Hosting;

/// <summary>
/// Per-client rate limiting of POST /api/generations (ASP.NET Core's rate limiter): a fixed window of
/// <see cref="WebOptions.RateLimit"/> requests per <see cref="WebOptions.RateWindowSeconds"/> for each client IP
/// address, no queueing. Past it a request gets 429 with Retry-After before its body is read.
/// </summary>
/// <remarks>
/// The partition is the connection's remote address. Behind a reverse proxy every request would share the proxy's
/// address; forwarded headers are deliberately not trusted here, since any client could forge them.
/// </remarks>
public static class RateLimits
{
    public const string GenerationPolicy = "generations";

    public static void AddGenerationRateLimiter(this IServiceCollection services, WebOptions options)
    {
        services.AddRateLimiter(limiter =>
        {
            limiter.AddPolicy(GenerationPolicy, http => options.RateLimit == 0
                ? RateLimitPartition.GetNoLimiter("off")
                : RateLimitPartition.GetFixedWindowLimiter(ClientKey(http), _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = options.RateLimit,
                    Window = TimeSpan.FromSeconds(options.RateWindowSeconds),
                    QueueLimit = 0,
                }));
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.OnRejected = async (context, cancellation) =>
            {
                var http = context.HttpContext;
                var wait = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out TimeSpan retry) ? retry : TimeSpan.FromSeconds(options.RateWindowSeconds);
                int seconds = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
                http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
                await Problems.Status(StatusCodes.Status429TooManyRequests, "Rate limit exceeded",
                    $"at most {options.RateLimit} generation requests per {options.RateWindowSeconds} s from one client; retry in {seconds} s.")
                    .ExecuteAsync(http);
            };
        });
    }

    /// <summary>The client's IP address; IPv4 seen through an IPv6 socket counts as the same client.</summary>
    static string ClientKey(HttpContext http)
    {
        var address = http.Connection.RemoteIpAddress;
        if (address is null) return "unknown";
        return (address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address).ToString();
    }
}
