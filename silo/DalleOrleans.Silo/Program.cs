using DalleOrleans.Model;
using DalleOrleans.Silo;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

// The silo host. Configuration comes from appsettings.json, environment variables (Cluster__Redis=...,
// Model__Devices__0=cuda:0, Cache__Redis=..., Http__Port=...) and the command line (--Cluster:Redis=...).
// deploy/README.md lists every key. Exit codes: 0 stopped normally, 2 bad configuration.
WebApplication app;
SiloConfiguration settings;
try
{
    (app, settings) = SiloApp.Build(args);
}
catch (Exception e) when (e is ArgumentException or InvalidOperationException or FormatException)
{
    Console.Error.WriteLine($"dalle-silo: configuration error: {e.Message}");
    return 2;
}

await using (app)
{
    var log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("dalle-silo");
    log.LogInformation("Starting silo: {Torch}; cluster {Mode}; devices {Devices}; model {Model}; cache {Cache}; operations {Http}; dashboard {Dashboard}",
        TorchRuntime.Describe(), string.IsNullOrEmpty(settings.Cluster.Redis) ? "localhost" : "redis", string.Join(",", settings.Devices.EffectiveDevices),
        settings.Devices.Path, string.IsNullOrEmpty(settings.Cache.Redis) ? "memory" : "redis",
        settings.Http.Enabled ? $"http://{settings.Http.Address}:{settings.Http.Port}" : "off",
        settings.Dashboard.Enabled ? $"http://{settings.Http.Address}:{settings.Dashboard.Port}/" : "off");
    // After every hosted service has started, i.e. the silo has joined the cluster (scripts wait for this line).
    app.Lifetime.ApplicationStarted.Register(() => log.LogInformation("Silo ready"));
    await app.RunAsync();
    return 0;
}
