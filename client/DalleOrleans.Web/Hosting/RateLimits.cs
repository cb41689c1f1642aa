using System.Globalization;
using System.Threading.RateLimiting;
using DalleOrleans.Web.Api;
using Microsoft.AspNetCore.RateLimiting;

namespace DalleOrleans.Web.Hosting;

/// <summary>
/// Per-client rate limiting (ASP.NET Core's rate limiter), fixed windows of <see cref="WebOptions.RateWindowSeconds"/>
/// per client IP address, no queueing: <see cref="GenerationPolicy"/> for starting and withdrawing generations
/// (<see cref="WebOptions.RateLimit"/>), <see cref="ReadPolicy"/> for reading them, their images and event streams
/// (<see cref="WebOptions.ReadRateLimit"/>). Past a limit a request gets 429 with Retry-After before its body is read.
/// </summary>
/// <remarks>
/// The partition is the connection's remote address. Behind a reverse proxy every request would share the proxy's
/// address; forwarded headers are deliberately not trusted here, since any client could forge them.
/// </remarks>
public static class RateLimits
{
    public const string GenerationPolicy = "generations", ReadPolicy = "reads";

    public static void AddGenerationRateLimiter(this IServiceCollection services, WebOptions options)
    {
        services.AddRateLimiter(limiter =>
        {
            limiter.AddPolicy(GenerationPolicy, http => Partition(http, GenerationPolicy, options.RateLimit, options.RateWindowSeconds));
            limiter.AddPolicy(ReadPolicy, http => Partition(http, ReadPolicy, options.ReadRateLimit, options.RateWindowSeconds));
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.OnRejected = async (context, cancellation) =>
            {
                var http = context.HttpContext;
                var wait = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out TimeSpan retry) ? retry : TimeSpan.FromSeconds(options.RateWindowSeconds);
                int seconds = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
                http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
                bool reads = http.GetEndpoint()?.Metadata.GetMetadata<EnableRateLimitingAttribute>()?.PolicyName == ReadPolicy;
                string what = reads ? $"{options.ReadRateLimit} reads" : $"{options.RateLimit} generation requests";
                await Problems.Status(StatusCodes.Status429TooManyRequests, "Rate limit exceeded",
                    $"at most {what} per {options.RateWindowSeconds} s from one client; retry in {seconds} s.")
                    .ExecuteAsync(http);
            };
        });
    }

    static RateLimitPartition<string> Partition(HttpContext http, string policy, int limit, int windowSeconds) => limit == 0
        ? RateLimitPartition.GetNoLimiter("off")
        : RateLimitPartition.GetFixedWindowLimiter(policy + "|" + ClientKey(http), _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = limit,
            Window = TimeSpan.FromSeconds(windowSeconds),
            QueueLimit = 0,
        });

    /// <summary>The client's IP address; IPv4 seen through an IPv6 socket counts as the same client.</summary>
    public static string ClientKey(HttpContext http)
    {
        var address = http.Connection.RemoteIpAddress;
        if (address is null) return "unknown";
        return (address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address).ToString();
    }
}
