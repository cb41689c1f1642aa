using System.Net;
using DalleOrleans.Web.Api;
using DalleOrleans.Web.Generations;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace DalleOrleans.Web.Hosting;

/// <summary>
/// Builds the whole web app (Orleans inside, API, page) from <see cref="WebOptions"/>, so the program and the tests
/// run the same thing; tests listen on http://127.0.0.1:0 and read the port with <see cref="BoundAddress"/>.
/// </summary>
public static class WebAppFactory
{
    public static WebApplication Build(WebOptions options, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            // Fixed, so a test host (whose entry assembly is the test runner) builds the same app as dalle-web.
            ApplicationName = typeof(WebAppFactory).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.WebHost.UseUrls(options.Urls);
        if (options.TlsCertificate is not null)
        {
            // The default certificate of every https:// listen URL (Kestrel reads it from configuration).
            builder.Configuration["Kestrel:Certificates:Default:Path"] = Path.GetFullPath(options.TlsCertificate);
            if (options.TlsPassword() is { } password) builder.Configuration["Kestrel:Certificates:Default:Password"] = password;
        }
        // Orleans (and the Polly pipelines it uses for placement) log every call at Information: keep the console readable.
        builder.Logging.AddFilter("Orleans", LogLevel.Warning).AddFilter("Polly", LogLevel.Warning)
            .AddFilter("Microsoft.AspNetCore", LogLevel.Warning);

        builder.Services.AddProblemDetails();
        builder.Services.ConfigureHttpJsonOptions(o => ApiJson.Apply(o.SerializerOptions));
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(new GenerationStore(options.MaxResults, options.MaxRunning));
        builder.Services.AddSingleton<RequestValidator>();
        builder.Services.AddSingleton<GenerationRunner>();
        builder.Services.AddSingleton(new ApiKeyCheck(options.ApiKeys));
        builder.Services.AddSingleton(new StreamGate(options.MaxStreamsPerClient, options.MaxStreams));
        builder.Services.AddApiDocument(options);  // OpenAPI generated from the endpoints (Hosting/ApiDocument.cs)
        builder.Services.AddGenerationRateLimiter(options);
        builder.AddOrleansBackend(options);
        builder.AddOperations(options);          // /healthz, /readyz, /metrics (Api/OperationsEndpoints.cs)
        configure?.Invoke(builder);

        var app = builder.Build();
        // Errors become problem details: thrown ones (Kestrel's bad-request errors keep their 4xx), and bare status codes
        // such as an unmatched route's 404 or a wrong method's 405.
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            StatusCodeSelector = e => e is BadHttpRequestException bad ? bad.StatusCode : StatusCodes.Status500InternalServerError,
        });
        app.UseStatusCodePages();
        app.Use((http, next) =>
        {
            http.Response.Headers.XContentTypeOptions = "nosniff";
            http.Response.Headers["Referrer-Policy"] = "no-referrer";
            return next(http);
        });
        app.UseRateLimiter();
        app.MapEmbeddedFiles();
        app.MapApiDocument();
        app.MapHealth();
        app.MapOperations();
        app.MapGenerationApi();
        return app;
    }

    /// <summary>The first address the server listens on (after StartAsync), with the real port when 0 was asked for.</summary>
    public static Uri BoundAddress(WebApplication app)
    {
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses;
        return new Uri(addresses?.FirstOrDefault() ?? throw new InvalidOperationException("the web app is not listening; call StartAsync first."));
    }

    /// <summary>Whether every listen address is on loopback; anything else exposes an unauthenticated API.</summary>
    public static bool LoopbackOnly(WebApplication app)
    {
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        return addresses.All(a =>
        {
            var host = new Uri(a.Replace("://*", "://0.0.0.0").Replace("://+", "://0.0.0.0")).Host;
            return host == "localhost" || (IPAddress.TryParse(host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));
        });
    }
}
