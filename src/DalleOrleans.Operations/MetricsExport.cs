using DalleOrleans.Grains;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace DalleOrleans.Operations;

/// <summary>
/// Prometheus text exposition on GET /metrics through OpenTelemetry's exporter. It exports the service's own meter
/// (<see cref="DalleMetrics"/>), Orleans' meter (activations, messaging, membership) and ASP.NET Core's request meter.
/// </summary>
public static class MetricsExport
{
    public const string Path = "/metrics";

    /// <summary>Meters exported besides <see cref="DalleMetrics.MeterName"/>.</summary>
    /// <remarks>
    /// ASP.NET Core's meter is created per host (IMeterFactory); a process runs one host in production. Test processes
    /// that run several hosts see one host's series under the name, so tests assert only on the service's own meter.
    /// </remarks>
    public static readonly string[] OtherMeters = ["Microsoft.Orleans", "Microsoft.AspNetCore.Hosting"];

    /// <param name="serviceName">"dalle-silo" or "dalle-web": Prometheus' target_info names the process kind.</param>
    public static IServiceCollection AddPrometheusMetrics(this IServiceCollection services, string serviceName)
    {
        services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(serviceName))
            .WithMetrics(m => m
                .AddMeter(DalleMetrics.MeterName)
                .AddMeter(OtherMeters)
                // No response cache: a scrape right after a request must see it (the exporter caches 300 ms by default).
                .AddPrometheusExporter(o => o.ScrapeResponseCacheDurationMilliseconds = 0));
        return services;
    }

    public static IEndpointConventionBuilder MapPrometheusMetrics(this IEndpointRouteBuilder app) => app.MapPrometheusScrapingEndpoint(Path);
}
