using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace DalleOrleans.Operations;

/// <summary>
/// GET /healthz: 200 while the process serves HTTP (liveness: restart it when this fails).
/// GET /readyz: every readiness check (tag <see cref="ReadyTag"/>) passes → 200; otherwise 503 and a JSON body whose
/// "notReady" names the failing checks (readiness: send it no traffic until this passes).
/// </summary>
public static class HealthEndpoints
{
    public const string LivePath = "/healthz", ReadyPath = "/readyz", ReadyTag = "ready";

    /// <summary>One check's outcome.</summary>
    public sealed record CheckView(string Status, string Detail, double DurationMs);
    /// <summary>The /readyz body.</summary>
    public sealed record ReadinessView(string Status, IReadOnlyList<string> NotReady, IReadOnlyDictionary<string, CheckView> Checks);

    // Fixed options: the body's shape must not depend on how a host configures its API's JSON.
    // Relaxed escaping: details quote names ('dalle'); the body is JSON served as application/json, never embedded in HTML.
    static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static IEndpointRouteBuilder MapHealthProbes(this IEndpointRouteBuilder app)
    {
        app.MapGet(LivePath, (HttpContext http) =>
        {
            http.Response.Headers.CacheControl = "no-store";
            return Results.Json(new { status = "alive" }, Json);
        });
        app.MapGet(ReadyPath, async (HttpContext http, HealthCheckService health) =>
        {
            var report = await health.CheckHealthAsync(r => r.Tags.Contains(ReadyTag), http.RequestAborted);
            var view = ToView(report);
            http.Response.Headers.CacheControl = "no-store";
            return Results.Json(view, Json, statusCode: view.NotReady.Count == 0 ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
        });
        return app;
    }

    /// <summary>Degraded counts as ready (the service works, with less: the check says "degraded"); Unhealthy does not.</summary>
    public static ReadinessView ToView(HealthReport report)
    {
        var checks = report.Entries.ToDictionary(e => e.Key, e => new CheckView(
            e.Value.Status switch { HealthStatus.Unhealthy => "not ready", HealthStatus.Degraded => "degraded", _ => "ready" },
            e.Value.Description ?? e.Value.Exception?.Message ?? "",
            Math.Round(e.Value.Duration.TotalMilliseconds, 1)));
        var notReady = report.Entries.Where(e => e.Value.Status == HealthStatus.Unhealthy).Select(e => e.Key).Order(StringComparer.Ordinal).ToList();
        return new ReadinessView(notReady.Count == 0 ? "ready" : "not ready", notReady, checks);
    }
}
