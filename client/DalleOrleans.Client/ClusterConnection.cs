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

    /// <summary>How long a cluster may take to answer with a registered device before the CLI gives up (exit code 4).</summary>
    public static readonly TimeSpan DefaultConnectTimeout = TimeSpan.FromSeconds(30);

    /// <param name="cache">The embedded silo's cache (default: in-memory); `bench cache` passes a Redis one.</param>
    /// <param name="devices">Adjusts the embedded silo's device settings (`bench compare --previews`).</param>
    /// <param name="connectTimeout">Cluster only: Redis, a gateway and one registered device within this time, or
    /// <see cref="ClusterUnreachableException"/> (default <see cref="DefaultConnectTimeout"/>).</param>
    public static async Task<ClusterConnection> OpenAsync(string? cluster, string modelPath, string clusterId = "dalle", string serviceId = "dalle-orleans",
        CancellationToken cancellation = default, CacheSettings? cache = null, Func<DeviceSettings, DeviceSettings>? devices = null,
        TimeSpan? connectTimeout = null)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(new OneLineLoggerProvider(Terminal.Current.Error)).SetMinimumLevel(LogLevel.Error);
        // A host that fails to start is reported by the caller as one line; the host's own entry would repeat it.
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting", LogLevel.None);
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
            ConfigurationOptions options;
            try { options = ConfigurationOptions.Parse(cluster!); }
            catch (ArgumentException e) { throw new ArgumentException($"--cluster: '{cluster}' is not a Redis connection string: {e.Message}", e); }
            builder.UseOrleansClient(client => client
                .UseRedisClustering(o => o.ConfigurationOptions = options)
                .Configure<ClusterOptions>(o => { o.ClusterId = clusterId; o.ServiceId = serviceId; }));
        }
        var host = builder.Build();
        if (embedded)
        {
            try
            {
                await host.StartAsync(cancellation);
                var local = new ClusterConnection(host, embedded);
                await local.Client.WaitForDevicesAsync(1, TimeSpan.FromSeconds(120), cancellation);
                return local;
            }
            catch
            {
                await DisposeQuietly(host);        // a model that failed to load: stop the half-started silo before reporting it
                throw;
            }
        }

        // A remote cluster: Redis, a gateway and a registered device, all within one deadline, whatever fails.
        var timeout = connectTimeout ?? DefaultConnectTimeout;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        deadline.CancelAfter(timeout);
        try
        {
            await host.StartAsync(deadline.Token).WaitAsync(deadline.Token);
            var remote = new ClusterConnection(host, embedded);
            await remote.Client.WaitForDevicesAsync(1, timeout, deadline.Token).WaitAsync(deadline.Token);
            return remote;
        }
        catch (Exception e) when (!cancellation.IsCancellationRequested && e is not OutOfMemoryException)
        {
            _ = Task.Run(() => DisposeQuietly(host));      // a half-started client may take a while to give up; do not wait for it
            string why = e switch
            {
                OperationCanceledException => $"no silo answered with a registered device within {timeout.TotalSeconds:F0} s (--connect-timeout); are the silos running?",
                RedisConnectionException r => $"Redis did not accept a connection ({r.FailureType})",
                _ => e.Message,
            };
            throw new ClusterUnreachableException($"could not reach the cluster at '{cluster}': {why}", e);
        }
        catch
        {
            _ = Task.Run(() => DisposeQuietly(host));
            throw;
        }
    }

    static async Task DisposeQuietly(IHost host)
    {
        try { await host.StopAsync(TimeSpan.FromSeconds(5)); } catch (Exception) { /* it never started */ }
        host.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync(TimeSpan.FromSeconds(30));
        _host.Dispose();
    }
}

/// <summary>No cluster answered: Redis unreachable, no gateway, or no device registered in time (exit code 4).</summary>
public sealed class ClusterUnreachableException(string message, Exception inner) : Exception(message, inner);
