using Microsoft.Extensions.DependencyInjection;

namespace DalleOrleans.Operations.Readiness;

/// <summary>Which readiness checks a process runs: a silo's own (model, silo, cache), a front end's (cluster).</summary>
public static class ReadinessSetup
{
    /// <summary>Each check has this long; a check that hangs (a black-holed Redis) reports "not ready" instead.</summary>
    public static readonly TimeSpan CheckTimeout = TimeSpan.FromSeconds(3);

    static readonly string[] Tags = [HealthEndpoints.ReadyTag];

    /// <summary>A process that hosts a silo (the silo host, the web front end's embedded silo).</summary>
    public static IHealthChecksBuilder AddSiloReadiness(this IHealthChecksBuilder checks)
    {
        checks.Services.AddSingleton<CacheReachableCheck>();     // one Redis connection for the process's life
        return checks
            .AddCheck<ModelLoadedCheck>("model", tags: Tags, timeout: CheckTimeout)
            .AddCheck<SiloJoinedCheck>("silo", tags: Tags, timeout: CheckTimeout)
            .AddCheck<CacheReachableCheck>("cache", tags: Tags, timeout: CheckTimeout);
    }

    /// <summary>A process that reaches grains (a cluster client, or a host with an embedded silo).</summary>
    public static IHealthChecksBuilder AddClusterReadiness(this IHealthChecksBuilder checks) =>
        checks.AddCheck<ClusterReachableCheck>("cluster", tags: Tags, timeout: CheckTimeout);
}
