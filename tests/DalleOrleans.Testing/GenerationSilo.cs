using DalleOrleans.Grains;
using DalleOrleans.Grains.Cache;
using DalleOrleans.Grains.Devices;
using DalleOrleans.Model;
using Microsoft.Extensions.Configuration;
using Orleans.Configuration;
using Orleans.TestingHost;

namespace DalleOrleans.Testing;

/// <summary>
/// Silo set-up for cluster tests: one "cpu" device per silo serving the tiny random model (the same seed on
/// every silo, so any device gives the same images), the Redis cache when the cluster's "Cache:Redis"
/// property is set, and fast failure detection so a killed silo is declared dead within seconds.
/// </summary>
public sealed class GenerationSiloConfigurator : ISiloConfigurator
{
    public const string RedisProperty = "Cache:Redis";
    /// <summary>"false" turns caching off (every request generated), for tests whose expected images must not be cache hits.</summary>
    public const string CacheEnabledProperty = "Cache:Enabled";
    public const string BatchRowsProperty = "Model:MaxBatchRows";
    /// <summary>Comma-separated device names (default "cpu"); "cpu:N" adds more executors on the CPU.</summary>
    public const string DevicesProperty = "Model:Devices";
    /// <summary>Layers per device, for every silo or per silo: "Model:LayersPerDevice:{silo name}" wins (Primary, Secondary_1...).</summary>
    public const string LayersPerDeviceProperty = "Model:LayersPerDevice";
    public const string MicroBatchesProperty = "Model:MicroBatches";

    public void Configure(ISiloBuilder silo)
    {
        var configuration = silo.Configuration;
        int rows = int.TryParse(configuration[BatchRowsProperty], out var r) ? r : 16;
        string siloName = configuration["Orleans:Name"] ?? "";   // TestingHost's per-silo setting: "Primary", "Secondary_1", ...
        int layers = int.TryParse(configuration[$"{LayersPerDeviceProperty}:{siloName}"] ?? configuration[LayersPerDeviceProperty], out var l) ? l : 0;
        int microBatches = int.TryParse(configuration[MicroBatchesProperty], out var m) ? m : 0;
        var devices = (configuration[DevicesProperty] ?? "cpu").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        silo.AddDalleGeneration(
            new DeviceSettings
            {
                Path = SharedTinyModel.Folder, Devices = devices, MaxBatchRows = rows, MaxQueuedStreams = 512,
                LayersPerDevice = layers, MicroBatches = microBatches,
            },
            new CacheSettings { Redis = configuration[RedisProperty] ?? "", Enabled = configuration[CacheEnabledProperty] != "false" });
        silo.Configure<ClusterMembershipOptions>(o =>
        {
            o.ProbeTimeout = TimeSpan.FromSeconds(1);
            o.NumMissedProbesLimit = 1;
            o.NumVotesForDeathDeclaration = 1;
            o.TableRefreshTimeout = TimeSpan.FromSeconds(1);
            o.IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(1);
        });
    }
}

/// <summary>
/// One tiny random model per test process, saved to a folder that every test silo loads. Creating the model in
/// each silo would not do: torch's global generator is shared by the threads of parallel tests, so weights
/// initialised concurrently could differ between silos; loaded weights cannot.
/// </summary>
public static class SharedTinyModel
{
    static readonly Lazy<string> Lazy = new(() =>
    {
        string folder = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"dalle-test-model-{Environment.ProcessId}-{Guid.NewGuid():N}");
        using var model = ModelPresets.CreateTiny(seed: 1);
        model.Save(folder, fp16: false);
        // One folder per test process: removed when the process ends, so runs do not pile them up in the shared temp folder.
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try { Directory.Delete(folder, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        };
        return folder;
    });

    public static string Folder => Lazy.Value;
}

/// <summary>Test clients refresh their gateway list every second, so a killed silo's gateway is dropped quickly.</summary>
public sealed class FastGatewayClientConfigurator : IClientBuilderConfigurator
{
    public void Configure(IConfiguration configuration, IClientBuilder client) =>
        client.Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = TimeSpan.FromSeconds(1));
}

/// <summary>An in-process generation cluster; <see cref="Client"/> is what front ends use.</summary>
public class GenerationCluster : InProcessCluster
{
    public GenerationClient Client => new(Grains);

    protected virtual string? Redis => null;
    protected virtual bool CacheEnabled => true;

    protected override void ConfigureBuilder(TestClusterBuilder builder)
    {
        builder.AddSiloBuilderConfigurator<GenerationSiloConfigurator>();
        builder.AddClientBuilderConfigurator<FastGatewayClientConfigurator>();
        if (Redis is not null) builder.Properties[GenerationSiloConfigurator.RedisProperty] = Redis;
        if (!CacheEnabled) builder.Properties[GenerationSiloConfigurator.CacheEnabledProperty] = "false";
    }

    /// <summary>Waits until the directory lists <paramref name="count"/> devices (silos register a moment after they start).</summary>
    public Task WaitForDevices(int count, TimeSpan? timeout = null) => Client.WaitForDevicesAsync(count, timeout);
}

/// <summary>Two silos, each with its own device.</summary>
public sealed class TwoSiloGenerationCluster : GenerationCluster
{
    protected override short InitialSilos => 2;
}

/// <summary>Two silos with caching off: every request is generated, so images can be compared between runs.</summary>
public sealed class UncachedTwoSiloGenerationCluster : GenerationCluster
{
    protected override short InitialSilos => 2;
    protected override bool CacheEnabled => false;
}

/// <summary>One silo with eight devices ("cpu:0".."cpu:7", executors sharing the CPU): placement across many devices.</summary>
public sealed class EightDeviceGenerationCluster : GenerationCluster
{
    protected override void ConfigureBuilder(TestClusterBuilder builder)
    {
        base.ConfigureBuilder(builder);
        builder.Properties[GenerationSiloConfigurator.DevicesProperty] = string.Join(",", Enumerable.Range(0, 8).Select(i => $"cpu:{i}"));
        builder.Properties[GenerationSiloConfigurator.BatchRowsProperty] = "4";
    }
}

/// <summary>
/// Two silos whose devices hold half of the layers each: the only pipeline is two shard grains on two silos.
/// <see cref="MicroBatches"/> 0 = one per shard.
/// </summary>
public sealed class CrossSiloPipelineCluster(int microBatches = 0) : GenerationCluster
{
    public CrossSiloPipelineCluster() : this(0) { }
    protected override short InitialSilos => 2;

    protected override void ConfigureBuilder(TestClusterBuilder builder)
    {
        base.ConfigureBuilder(builder);
        builder.Properties[GenerationSiloConfigurator.LayersPerDeviceProperty] = "2";      // the tiny model has 4 layers
        builder.Properties[GenerationSiloConfigurator.MicroBatchesProperty] = microBatches.ToString();
    }
}

/// <summary>
/// Three silos: the primary's device holds every layer (a one-shard pipeline); the two secondaries hold half the layers
/// each, chained into a two-shard pipeline across them. Killing a secondary breaks that pipeline only.
/// </summary>
public sealed class MixedPipelineCluster : GenerationCluster
{
    protected override short InitialSilos => 3;

    protected override void ConfigureBuilder(TestClusterBuilder builder)
    {
        base.ConfigureBuilder(builder);
        builder.Properties[$"{GenerationSiloConfigurator.LayersPerDeviceProperty}:Secondary_1"] = "2";
        builder.Properties[$"{GenerationSiloConfigurator.LayersPerDeviceProperty}:Secondary_2"] = "2";
    }
}

