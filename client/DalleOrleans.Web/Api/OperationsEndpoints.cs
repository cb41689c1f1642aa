using DalleOrleans.Grains;
using DalleOrleans.Operations;
using DalleOrleans.Operations.Readiness;
using DalleOrleans.Web.Hosting;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace DalleOrleans.Web.Api;

/// <summary>
/// What operators probe and scrape on the front end: /healthz, /readyz and Prometheus /metrics, including the requests
/// this front end rejected.
/// </summary>
/// <remarks>
/// Readiness means "this web host can serve": the page must stay reachable when no generator is (no device registered,
/// the cluster away, the embedded model still loading), and say so itself, instead of vanishing from a load balancer.
/// So the cluster's and the embedded silo's checks are reported in /readyz's body but only ever as "degraded" (which
/// counts as ready); the one check that can make the web host unready is "web": it turns 503 once the host is stopping.
/// </remarks>
public static class OperationsEndpoints
{
    public static void AddOperations(this WebApplicationBuilder builder, WebOptions options)
    {
        var checks = builder.Services.AddHealthChecks()
            .AddCheck<WebServingCheck>("web", tags: [HealthEndpoints.ReadyTag])
            .AddInformational<ClusterReachableCheck>("cluster");
        if (options.Embedded)
        {
            builder.Services.AddSingleton<CacheReachableCheck>();
            checks.AddInformational<ModelLoadedCheck>("model").AddInformational<SiloJoinedCheck>("silo").AddInformational<CacheReachableCheck>("cache");
        }
        builder.Services.AddPrometheusMetrics("dalle-web");
        builder.Services.AddTransient<IStartupFilter, RejectionCounter>();
    }

    /// <summary>A check whose failure is reported (as degraded) without making the web host unready.</summary>
    static IHealthChecksBuilder AddInformational<T>(this IHealthChecksBuilder checks, string name) where T : class, IHealthCheck =>
        checks.Add(new HealthCheckRegistration(name, sp => new Informational(ActivatorUtilities.GetServiceOrCreateInstance<T>(sp)),
            HealthStatus.Degraded, [HealthEndpoints.ReadyTag], ReadinessSetup.CheckTimeout));

    sealed class Informational(IHealthCheck inner) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellation = default)
        {
            var result = await inner.CheckHealthAsync(context, cancellation);
            return result.Status == HealthStatus.Unhealthy ? HealthCheckResult.Degraded(result.Description, result.Exception, result.Data) : result;
        }
    }

    /// <summary>"web": the host serves until it starts stopping (then load balancers should send new clients elsewhere).</summary>
    sealed class WebServingCheck(IHostApplicationLifetime lifetime) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellation = default) =>
            Task.FromResult(lifetime.ApplicationStopping.IsCancellationRequested
                ? HealthCheckResult.Unhealthy("the web host is stopping.")
                : HealthCheckResult.Healthy("the web host serves the page and the API."));
    }

    public static void MapOperations(this WebApplication app)
    {
        app.MapHealthProbes();
        app.MapPrometheusMetrics();
    }

    /// <summary>
    /// Counts generation requests refused with 429 (throttled) or 503 (busy, no device) as dalle.requests.rejected.
    /// A startup filter wraps the whole pipeline, so refusals made by any middleware (rate limiter, body limits)
    /// or by the endpoints are all seen, whatever order they are added in.
    /// </summary>
    public sealed class RejectionCounter : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use(async (http, nextMiddleware) =>
            {
                try
                {
                    await nextMiddleware(http);
                }
                finally
                {
                    if (IsRejection(http))
                        DalleMetrics.RequestsRejected.Add(1, new KeyValuePair<string, object?>(DalleMetrics.StatusTag, http.Response.StatusCode));
                }
            });
            next(app);
        };

        /// <summary>A POST to the generations API answered 429 or 503.</summary>
        public static bool IsRejection(HttpContext http) =>
            http.Response.StatusCode is StatusCodes.Status429TooManyRequests or StatusCodes.Status503ServiceUnavailable
            && HttpMethods.IsPost(http.Request.Method)
            && http.Request.Path.StartsWithSegments("/api/generations", StringComparison.OrdinalIgnoreCase);
    }
}
