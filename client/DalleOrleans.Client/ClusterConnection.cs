using DalleOrleans.Grains;
using DalleOrleans.Grains.Cache;
using DalleOrleans.Grains.Devices;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using StackExchange.Redis;

namespace DalleOrleans.Client;

/// <summary>
/// Where the client's requests go: with a Redis connection string, an Orleans client of that cluster; without
/// one, an embedded silo in this process (localhost clustering, the given model, an in-memory cache).
/// </summary>
public sealed class ClusterConnection : IAsyncDisposable
{
    readonly IHost _host;

    ClusterConnection(IHost host, bool embedded)
    {
        _host = host;
        Embedded = embedded;
        Client = new GenerationClient(host.Services.GetRequiredService<IGrainFactory>());
    }

    public GenerationClient Client { get; }
    public bool Embedded { get; }

    /// <param name="cache">The embedded silo's cache (default: in-memory); `bench cache` passes a Redis one.</param>
    /// <param name="devices">Adjusts the embedded silo's device settings (`bench compare --previews`).</param>
    public static async Task<ClusterConnection> OpenAsync(string? cluster, string modelPath, string clusterId = "dalle", string serviceId = "dalle-orleans",
        CancellationToken cancellation = default, CacheSettings? cache = null, Func<DeviceSettings, DeviceSettings>? devices = null)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace).SetMinimumLevel(LogLevel.Error);
        bool embedded = string.IsNullOrWhiteSpace(cluster);
        if (embedded)
        {
            if (!Directory.Exists(modelPath))
                throw new ArgumentException($"--model: the model folder '{modelPath}' does not exist.");
            var settings = new ClusterSettings { SiloPort = FreePort.Next(), GatewayPort = FreePort.Next(), ClusterId = clusterId, ServiceId = serviceId };
            builder.UseOrleans(silo => silo.UseDalleCluster(settings)
                .AddDalleGeneration((devices ?? (d => d))(new DeviceSettings { Path = modelPath }), cache ?? new CacheSettings()));
        }
        else
        {
            var options = ConfigurationOptions.Parse(cluster!);
            builder.UseOrleansClient(client => client
                .UseRedisClustering(o => o.ConfigurationOptions = options)
                .Configure<ClusterOptions>(o => { o.ClusterId = clusterId; o.ServiceId = serviceId; }));
        }
        var host = builder.Build();
        await host.StartAsync(cancellation);
        var connection = new ClusterConnection(host, embedded);
        await connection.Client.WaitForDevicesAsync(1, TimeSpan.FromSeconds(embedded ? 120 : 30), cancellation);
        return connection;
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync(TimeSpan.FromSeconds(30));
        _host.Dispose();
    }
}
