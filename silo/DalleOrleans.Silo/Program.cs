using DalleOrleans.Grains;
using DalleOrleans.Model;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

// The silo host: configuration from appsettings.json, environment variables
// (Cluster__Redis=...) and the command line (--Cluster:Redis=...).
var builder = Host.CreateApplicationBuilder(args);
ClusterSettings cluster;
try
{
    cluster = ClusterSettings.From(builder.Configuration);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"dalle-silo: configuration error: {e.Message}");
    return 2;
}

TorchRuntime.Initialize(builder.Configuration.GetValue<int?>("Torch:Threads"));
builder.UseOrleans(silo => silo.UseDalleCluster(cluster));

using var host = builder.Build();
var log = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("dalle-silo");
log.LogInformation("Starting silo: {Torch}; cluster {Mode}", TorchRuntime.Describe(),
    string.IsNullOrEmpty(cluster.Redis) ? "localhost" : "redis");
await host.RunAsync();
return 0;
