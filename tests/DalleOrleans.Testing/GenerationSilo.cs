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
    public const string ShardsProperty = "Model:ShardsPerPipeline";

    public void Configure(ISiloBuilder silo)
    {
        var configuration = silo.Configuration;
        int rows = int.TryParse(configuration[BatchRowsProperty], out var r) ? r : 16;
        int shards = int.TryParse(configuration[ShardsProperty], out var s) ? s : 1;
        silo.AddDalleGeneration(
            new DeviceSettings { Devices = new[] { "cpu" }, MaxBatchRows = rows, MaxQueuedStreams = 512, ShardsPerPipeline = shards },
            new CacheSettings { Redis = configuration[RedisProperty] ?? "", Enabled = configuration[CacheEnabledProperty] != "false" },
            device => ModelBundle.Load(SharedTinyModel.Folder, device));
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
    protected virtual int Shards => 1;
    protected virtual bool CacheEnabled => true;

    protected override void ConfigureBuilder(TestClusterBuilder builder)
    {
        builder.AddSiloBuilderConfigurator<GenerationSiloConfigurator>();
        builder.AddClientBuilderConfigurator<FastGatewayClientConfigurator>();
        if (Redis is not null) builder.Properties[GenerationSiloConfigurator.RedisProperty] = Redis;
        builder.Properties[GenerationSiloConfigurator.ShardsProperty] = Shards.ToString();
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

/// <summary>One silo whose device runs the transformer as a two-shard pipeline.</summary>
public sealed class ShardedGenerationCluster : GenerationCluster
{
    protected override int Shards => 2;
}
