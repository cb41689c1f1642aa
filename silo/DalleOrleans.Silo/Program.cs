using DalleOrleans.Grains;
using DalleOrleans.Grains.Cache;
using DalleOrleans.Grains.Devices;
using DalleOrleans.Model;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

// The silo host. Configuration comes from appsettings.json, environment variables (Cluster__Redis=...,
// Model__Devices__0=cuda:0, Cache__Redis=...) and the command line (--Cluster:Redis=...).
var builder = Host.CreateApplicationBuilder(args);
ClusterSettings cluster;
DeviceSettings devices;
CacheSettings cache;
try
{
    cluster = ClusterSettings.From(builder.Configuration);
    devices = builder.Configuration.GetSection(DeviceSettings.Section).Get<DeviceSettings>() ?? new DeviceSettings();
    cache = builder.Configuration.GetSection(CacheSettings.Section).Get<CacheSettings>() ?? new CacheSettings();
    devices.Validate();
    cache.Validate();
    if (!Directory.Exists(devices.Path))
        throw new ArgumentException($"Model:Path '{devices.Path}' does not exist; point it at a model folder (config.json, vocab.json, *.safetensors).");
    foreach (var device in devices.EffectiveDevices.SelectMany(d => d.Split('+'))) TorchRuntime.ParseDevice(device, "Model:Devices");
}
catch (Exception e) when (e is ArgumentException or InvalidOperationException or FormatException)
{
    Console.Error.WriteLine($"dalle-silo: configuration error: {e.Message}");
    return 2;
}

TorchRuntime.Initialize(builder.Configuration.GetValue<int?>("Torch:Threads"));
builder.UseOrleans(silo => silo.UseDalleCluster(cluster).AddDalleGeneration(devices, cache));

using var host = builder.Build();
var log = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("dalle-silo");
log.LogInformation("Starting silo: {Torch}; cluster {Mode}; devices {Devices}; model {Model}; cache {Cache}", TorchRuntime.Describe(),
    string.IsNullOrEmpty(cluster.Redis) ? "localhost" : "redis", string.Join(",", devices.EffectiveDevices), devices.Path,
    string.IsNullOrEmpty(cache.Redis) ? "memory" : "redis");
// After every hosted service has started, i.e. the silo has joined the cluster (scripts wait for this line).
host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStarted.Register(() => log.LogInformation("Silo ready"));
await host.RunAsync();
return 0;
