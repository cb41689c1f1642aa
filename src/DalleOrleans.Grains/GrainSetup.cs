using DalleOrleans.Grains.Cache;
using DalleOrleans.Grains.Devices;
using DalleOrleans.Grains.Placement;
using DalleOrleans.Model;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace DalleOrleans.Grains;

/// <summary>Registers the generation service in a silo: devices and their executors, placement, cache.</summary>
public static class GrainSetup
{
    public static ISiloBuilder AddDalleGeneration(this ISiloBuilder silo, DeviceSettings devices, CacheSettings cache)
    {
        devices.Validate();
        cache.Validate();
        silo.AddPlacementDirector<DevicePlacementStrategy, DevicePlacementDirector>();
        silo.Services.AddSingleton(devices);
        silo.Services.AddSingleton(cache);
        silo.Services.AddSingleton(TimeProvider.System);
        silo.Services.AddSingleton(sp => new DeviceHost(devices, sp.GetRequiredService<ILoggerFactory>()));
        silo.Services.AddSingleton<DirectoryView>();                 // this silo's cached view of the model directory
        silo.Services.AddSingleton<PipelinePicker>();
        silo.Services.AddSingleton<Shards.PipelineDrivers>();
        silo.Services.AddSingleton<Shards.ShardStats>();         // pipelines of shard grains headed by this silo's devices                // least in-flight work first, counted here
        silo.Services.AddSingleton<DeviceRegistration>();
        silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<DeviceRegistration>());
        silo.Services.AddHostedService<DrainOnStopping>();           // drains before the host stops any service
        if (!cache.Enabled)
            silo.Services.AddSingleton<IGenerationCache>(new NoGenerationCache());
        else if (string.IsNullOrWhiteSpace(cache.Redis))
            silo.Services.AddSingleton<IGenerationCache>(new MemoryGenerationCache(cache));
        else
            silo.Services.AddSingleton<IGenerationCache>(sp => new RedisGenerationCache(cache, sp.GetRequiredService<ILogger<RedisGenerationCache>>()));
        return silo;
    }
}
