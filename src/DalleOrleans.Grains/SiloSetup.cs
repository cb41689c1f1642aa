using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using StackExchange.Redis;

namespace DalleOrleans.Grains;

/// <summary>The silo configuration shared by the silo host and the CLI's embedded silo.</summary>
public static class SiloSetup
{
    public static ISiloBuilder UseDalleCluster(this ISiloBuilder silo, ClusterSettings settings)
    {
        settings.Validate();
        if (string.IsNullOrWhiteSpace(settings.Redis))
        {
            // One process, nothing external: the embedded mode.
            silo.UseLocalhostClustering(settings.SiloPort, settings.GatewayPort, serviceId: settings.ServiceId, clusterId: settings.ClusterId);
        }
        else
        {
            silo.UseRedisClustering(o => o.ConfigurationOptions = ConfigurationOptions.Parse(settings.Redis));
            silo.Configure<ClusterOptions>(o => { o.ClusterId = settings.ClusterId; o.ServiceId = settings.ServiceId; });
            silo.ConfigureEndpoints(System.Net.IPAddress.Loopback, settings.SiloPort, settings.GatewayPort);
        }
        return silo;
    }
}
