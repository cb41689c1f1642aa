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
            // Containers and pods must advertise an address their peers can reach; one machine keeps to loopback.
            if (string.IsNullOrWhiteSpace(settings.AdvertisedAddress))
                silo.ConfigureEndpoints(System.Net.IPAddress.Loopback, settings.SiloPort, settings.GatewayPort);
            else if (System.Net.IPAddress.TryParse(settings.AdvertisedAddress, out var ip))
                silo.ConfigureEndpoints(ip, settings.SiloPort, settings.GatewayPort, listenOnAnyHostAddress: true);
            else
                silo.ConfigureEndpoints(settings.AdvertisedAddress, settings.SiloPort, settings.GatewayPort, listenOnAnyHostAddress: true);
        }
        // How soon a silo that died without leaving is declared dead (its streams are then redrawn elsewhere).
        silo.Configure<ClusterMembershipOptions>(o =>
        {
            o.ProbeTimeout = settings.ProbeTimeout;
            o.NumMissedProbesLimit = settings.MissedProbesLimit;
        });
        return silo;
    }
}
