using DalleOrleans.Grains;
using DalleOrleans.Model;
using DalleOrleans.Operations;
using DalleOrleans.Operations.Readiness;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Dashboard;

namespace DalleOrleans.Silo;

/// <summary>
/// Builds the silo host from its arguments, so the program and the tests run the same thing: the silo (grains,
/// devices, cache), its operations listener on Http:Port and, when enabled, the Orleans Dashboard on Dashboard:Port.
/// </summary>
public static class SiloApp
{
    /// <exception cref="ArgumentException">A configuration key is wrong; the message names it and its limit.</exception>
    public static (WebApplication App, SiloConfiguration Settings) Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        // The content root stays the working directory, as for a plain host: appsettings.json and a relative Model:Path
        // are found where the silo is started.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = Directory.GetCurrentDirectory() });
        configure?.Invoke(builder);
        var settings = SiloConfiguration.From(builder.Configuration);

        TorchRuntime.Initialize(settings.TorchThreads);
        builder.UseOrleans(silo =>
        {
            silo.UseDalleCluster(settings.Cluster).AddDalleGeneration(settings.Devices, settings.Cache);
            if (settings.Dashboard.Enabled) silo.AddDashboard(o => o.CounterUpdateIntervalMs = settings.Dashboard.CounterUpdateIntervalMs);
        });
        // Stopping waits for the devices to drain (DeviceRegistration) up to Model:DrainSeconds, not the host's 30 s default.
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(settings.Devices.DrainSeconds));
        builder.Services.AddHealthChecks().AddSiloReadiness();
        builder.Services.AddPrometheusMetrics("dalle-silo");
        Listen(builder, settings);

        var app = builder.Build();
        if (settings.Http.Enabled || settings.Dashboard.Enabled) KeepListenersApart(app, settings);
        app.MapHealthProbes();
        app.MapPrometheusMetrics();
        if (settings.Dashboard.Enabled) app.MapOrleansDashboard();
        return (app, settings);
    }

    static void Listen(WebApplicationBuilder builder, SiloConfiguration settings)
    {
        if (!settings.Http.Enabled && !settings.Dashboard.Enabled)
        {
            builder.Services.AddSingleton<IServer, NoServer>();
            return;
        }
        // Explicit endpoints: ASPNETCORE_URLS and --urls do not apply to the silo (its ports are Http:Port, Dashboard:Port).
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            if (settings.Http.Enabled) kestrel.Listen(settings.Http.ListenAddress, settings.Http.Port);
            if (settings.Dashboard.Enabled) kestrel.Listen(settings.Http.ListenAddress, settings.Dashboard.Port);
        });
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
    }

    /// <summary>
    /// Each port serves only its own endpoints: the operations port the probes and /metrics, the dashboard port the
    /// dashboard. Decided by the port the connection arrived on, not the Host header (which proxies rewrite).
    /// </summary>
    static void KeepListenersApart(WebApplication app, SiloConfiguration settings)
    {
        string[] operations = [HealthEndpoints.LivePath, HealthEndpoints.ReadyPath, MetricsExport.Path];
        app.Use((http, next) =>
        {
            bool operationsPath = operations.Any(p => http.Request.Path.Equals(p, StringComparison.OrdinalIgnoreCase));
            bool onDashboardPort = settings.Dashboard.Enabled && http.Connection.LocalPort == settings.Dashboard.Port;
            if (operationsPath == onDashboardPort)
            {
                http.Response.StatusCode = StatusCodes.Status404NotFound;
                return Task.CompletedTask;
            }
            return next(http);
        });
    }
}
