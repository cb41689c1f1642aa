using Microsoft.Extensions.Configuration;

namespace DalleOrleans.Grains;

/// <summary>
/// How a silo joins its cluster, bound from the "Cluster" configuration section
/// (appsettings, environment variables such as Cluster__Redis, or --Cluster:Redis=... on the command line).
/// </summary>
public sealed record ClusterSettings
{
    public const string Section = "Cluster";

    /// <summary>Redis connection string for clustering; empty means a single localhost silo.</summary>
    public string Redis { get; init; } = "";
    public string ClusterId { get; init; } = "dalle";
    public string ServiceId { get; init; } = "dalle-orleans";
    public int SiloPort { get; init; } = 11111;
    public int GatewayPort { get; init; } = 30000;
    /// <summary>
    /// The address other silos and clients reach this silo on, an IP or a host name resolved at start (a container's
    /// service name, a pod IP). Empty = loopback only, as on a single machine; set, the silo listens on every interface.
    /// Only used with Redis clustering.
    /// </summary>
    public string AdvertisedAddress { get; init; } = "";
    /// <summary>
    /// How long a silo waits for a peer's answer to a liveness probe (Orleans' ClusterMembershipOptions.ProbeTimeout; its
    /// default is 5 s). With <see cref="MissedProbesLimit"/> it sets how soon a silo that died without leaving (SIGKILL,
    /// a lost node) is declared dead and its work redone: about ProbeTimeout × MissedProbesLimit. Shorter fails over
    /// faster but declares a silo dead that stalls that long (a long GC pause, a starved CPU); RELIABILITY.md has the numbers.
    /// </summary>
    public TimeSpan ProbeTimeout { get; init; } = TimeSpan.FromSeconds(2);
    /// <summary>Missed probes in a row before a silo votes a peer dead (Orleans' NumMissedProbesLimit; its default is 3).</summary>
    public int MissedProbesLimit { get; init; } = 2;

    public static ClusterSettings From(IConfiguration configuration)
    {
        var s = configuration.GetSection(Section).Get<ClusterSettings>() ?? new ClusterSettings();
        s.Validate();
        return s;
    }

    public void Validate()
    {
        CheckPort(SiloPort, "Cluster:SiloPort");
        CheckPort(GatewayPort, "Cluster:GatewayPort");
        if (SiloPort == GatewayPort)
            throw new ArgumentException($"Cluster:SiloPort and Cluster:GatewayPort are both {SiloPort}; they must differ.");
        if (string.IsNullOrWhiteSpace(ClusterId)) throw new ArgumentException("Cluster:ClusterId must not be empty.");
        if (string.IsNullOrWhiteSpace(ServiceId)) throw new ArgumentException("Cluster:ServiceId must not be empty.");
        if (ProbeTimeout < TimeSpan.FromMilliseconds(500) || ProbeTimeout > TimeSpan.FromMinutes(1))
            throw new ArgumentException($"Cluster:ProbeTimeout is {ProbeTimeout}; it must be between 500 ms and 1 minute.");
        if (MissedProbesLimit is < 1 or > 10)
            throw new ArgumentException($"Cluster:MissedProbesLimit is {MissedProbesLimit}; it must be between 1 and 10.");
        if (AdvertisedAddress.Any(char.IsWhiteSpace) || AdvertisedAddress.Contains(':') && !System.Net.IPAddress.TryParse(AdvertisedAddress, out _))
            throw new ArgumentException($"Cluster:AdvertisedAddress '{AdvertisedAddress}' must be an IP address or a host name without a port.");
    }

    static void CheckPort(int port, string field)
    {
        if (port is < 1 or > 65535)
            throw new ArgumentException($"{field} is {port}; it must be between 1 and 65535.");
    }
}
