using System.Net;
using DalleOrleans.Grains;
using DalleOrleans.Grains.Cache;
using DalleOrleans.Grains.Devices;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace DalleOrleans.GpuCheck;

/// <summary>
/// Silos in this process on loopback (localhost clustering, the first silo is the primary), each hosting one device
/// grain on the same device name: with two silos and "cuda:0", two device grains share one GPU.
/// </summary>
public sealed class EmbeddedCluster : IAsyncDisposable
{
    readonly List<IHost> _hosts;

    EmbeddedCluster(List<IHost> hosts)
    {
        _hosts = hosts;
        Client = new GenerationClient(hosts[0].Services.GetRequiredService<IGrainFactory>());
    }

    public GenerationClient Client { get; }

    public static async Task<EmbeddedCluster> StartAsync(string modelPath, string device, int silos, CancellationToken cancellation = default)
    {
        if (!Directory.Exists(modelPath)) throw new ArgumentException($"--model: the model folder '{modelPath}' does not exist.");
        string clusterId = "gpucheck-" + Guid.NewGuid().ToString("N")[..8];
        var hosts = new List<IHost>();
        IPEndPoint? primary = null;
        try
        {
            for (int i = 0; i < silos; i++)
            {
                int siloPort = FreePort.Next(), gatewayPort = FreePort.Next();
                var builder = Host.CreateApplicationBuilder();
                builder.Logging.ClearProviders();
                builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace).SetMinimumLevel(LogLevel.Error);
                var joinAt = primary;
                builder.UseOrleans(silo =>
                {
                    silo.UseLocalhostClustering(siloPort, gatewayPort, joinAt, serviceId: "dalle-gpucheck", clusterId: clusterId);
                    // No previews: the check compares final images, and previews would only add dVAE work between steps.
                    silo.AddDalleGeneration(new DeviceSettings { Path = modelPath, Devices = new[] { device }, PreviewsPerImage = 0 }, new CacheSettings());
                });
                var host = builder.Build();
                hosts.Add(host);
                await host.StartAsync(cancellation);
                primary ??= new IPEndPoint(IPAddress.Loopback, siloPort);
            }
            var cluster = new EmbeddedCluster(hosts);
            await cluster.Client.WaitForDevicesAsync(silos, TimeSpan.FromSeconds(180), cancellation);
            return cluster;
        }
        catch
        {
            foreach (var h in Enumerable.Reverse(hosts)) await StopAsync(h);
            throw;
        }
    }

    static async Task StopAsync(IHost host)
    {
        try { await host.StopAsync(TimeSpan.FromSeconds(30)); }
        finally { host.Dispose(); }
    }

    public async ValueTask DisposeAsync()
    {
        // Secondary silos first, the primary last: the others' membership lives with it.
        foreach (var host in Enumerable.Reverse(_hosts)) await StopAsync(host);
    }
}
