using DalleOrleans.Grains;
using DalleOrleans.Grains.Cache;
using DalleOrleans.Grains.Devices;
using DalleOrleans.Model;
using Microsoft.Extensions.Configuration;

namespace DalleOrleans.Silo;

/// <summary>
/// Every setting of the silo host, read from configuration (appsettings.json, Section__Key environment variables,
/// --Section:Key=value arguments) and checked before anything starts. Each mistake throws an
/// <see cref="ArgumentException"/> naming the key and its limit (the host exits with code 2).
/// </summary>
public sealed record SiloConfiguration(
    ClusterSettings Cluster, DeviceSettings Devices, CacheSettings Cache, HttpSettings Http, DashboardSettings Dashboard, int? TorchThreads)
{
    /// <summary>The settings records and their sections: the silo's configuration keys are their properties.</summary>
    public static readonly IReadOnlyDictionary<string, Type> Sections = new Dictionary<string, Type>
    {
        [ClusterSettings.Section] = typeof(ClusterSettings),
        [DeviceSettings.Section] = typeof(DeviceSettings),
        [CacheSettings.Section] = typeof(CacheSettings),
        [HttpSettings.Section] = typeof(HttpSettings),
        [DashboardSettings.Section] = typeof(DashboardSettings),
    };

    /// <param name="checkEnvironment">Also check what only the machine can tell: the model folder exists, CUDA devices are there.</param>
    public static SiloConfiguration From(IConfiguration configuration, bool checkEnvironment = true)
    {
        var cluster = ClusterSettings.From(configuration);
        var devices = configuration.GetSection(DeviceSettings.Section).Get<DeviceSettings>() ?? new DeviceSettings();
        var cache = configuration.GetSection(CacheSettings.Section).Get<CacheSettings>() ?? new CacheSettings();
        var http = configuration.GetSection(HttpSettings.Section).Get<HttpSettings>() ?? new HttpSettings();
        var dashboard = configuration.GetSection(DashboardSettings.Section).Get<DashboardSettings>() ?? new DashboardSettings();
        devices.Validate();
        cache.Validate();
        http.Validate();
        dashboard.Validate();
        int? threads = configuration.GetValue<int?>("Torch:Threads");
        if (threads is < 1 or > 1024) throw new ArgumentException($"Torch:Threads is {threads}; it must be between 1 and 1024, or empty for one per core.");
        CheckDistinctPorts(cluster, http, dashboard);
        if (checkEnvironment)
        {
            if (!Directory.Exists(devices.Path))
                throw new ArgumentException($"Model:Path '{devices.Path}' does not exist; point it at a model folder (config.json, vocab.json, *.safetensors).");
            foreach (var device in devices.EffectiveDevices.SelectMany(d => d.Split('+'))) TorchRuntime.ParseDevice(device, "Model:Devices");
        }
        return new SiloConfiguration(cluster, devices, cache, http, dashboard, threads);
    }

    /// <summary>Every listening port of the silo: silo-to-silo, gateway, and the enabled HTTP listeners.</summary>
    public IReadOnlyDictionary<string, int> Ports
    {
        get
        {
            var ports = new Dictionary<string, int> { ["Cluster:SiloPort"] = Cluster.SiloPort, ["Cluster:GatewayPort"] = Cluster.GatewayPort };
            if (Http.Enabled) ports["Http:Port"] = Http.Port;
            if (Dashboard.Enabled) ports["Dashboard:Port"] = Dashboard.Port;
            return ports;
        }
    }

    static void CheckDistinctPorts(ClusterSettings cluster, HttpSettings http, DashboardSettings dashboard)
    {
        var ports = new List<(string Key, int Port)> { ("Cluster:SiloPort", cluster.SiloPort), ("Cluster:GatewayPort", cluster.GatewayPort) };
        if (http.Enabled) ports.Add(("Http:Port", http.Port));
        if (dashboard.Enabled) ports.Add(("Dashboard:Port", dashboard.Port));
        foreach (var clash in ports.GroupBy(p => p.Port).Where(g => g.Count() > 1))
            throw new ArgumentException($"{string.Join(" and ", clash.Select(p => p.Key))} are {(clash.Count() == 2 ? "both" : "all")} {clash.Key}; every port of a silo must differ.");
    }
}
