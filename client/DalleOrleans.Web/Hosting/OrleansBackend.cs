using DalleOrleans.Grains;
using DalleOrleans.Grains.Cache;
using DalleOrleans.Grains.Devices;
using Orleans.Configuration;
using StackExchange.Redis;

namespace DalleOrleans.Web.Hosting;

/// <summary>
/// Puts Orleans into the web host, as the CLI's ClusterConnection does: with a Redis connection string an Orleans
/// client of that cluster, without one an embedded silo (localhost clustering, the model folder, an in-memory cache).
/// Either way the web app reaches grains through the same <see cref="IGrainFactory"/> and <see cref="GenerationClient"/>.
/// </summary>
public static class OrleansBackend
{
    public static void AddOrleansBackend(this WebApplicationBuilder builder, WebOptions options)
    {
        if (options.Embedded)
        {
            if (!Directory.Exists(options.ModelPath))
                throw new ArgumentException($"--model: the model folder '{options.ModelPath}' does not exist.");
            // Free loopback ports: a second front end or a local silo on the default ports must not collide with us.
            var settings = new ClusterSettings
            {
                SiloPort = FreePort.Next(), GatewayPort = FreePort.Next(), ClusterId = options.ClusterId, ServiceId = options.ServiceId,
            };
            builder.UseOrleans(silo => silo.UseDalleCluster(settings)
                .AddDalleGeneration(new DeviceSettings { Path = options.ModelPath, MaxQueuedStreams = options.MaxQueuedStreams }, new CacheSettings()));
        }
        else
        {
            var redis = ConfigurationOptions.Parse(options.Cluster!);
            builder.UseOrleansClient(client => client
                .UseRedisClustering(o => o.ConfigurationOptions = redis)
                .Configure<ClusterOptions>(o => { o.ClusterId = options.ClusterId; o.ServiceId = options.ServiceId; }));
        }
        builder.Services.AddSingleton(sp => new GenerationClient(sp.GetRequiredService<IGrainFactory>()));
    }
}
