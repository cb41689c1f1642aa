using DalleOrleans.Grains;
using DalleOrleans.Operations;
using DalleOrleans.Operations.Readiness;
using DalleOrleans.Web.Hosting;

namespace DalleOrleans.Web.Api;

/// <summary>
/// What operators probe and scrape on the front end: /healthz, /readyz (the cluster answers and serves a model; with an
/// embedded silo also that silo's model, membership and cache) and Prometheus /metrics, including the requests this
/// front end rejected.
/// </summary>
public static class OperationsEndpoints
{
    public static void AddOperations(this WebApplicationBuilder builder, WebOptions options)
    {
        var checks = builder.Services.AddHealthChecks().AddClusterReadiness();
        if (options.Embedded) checks.AddSiloReadiness();
        builder.Services.AddPrometheusMetrics("dalle-web");
        builder.Services.AddTransient<IStartupFilter, RejectionCounter>();
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
