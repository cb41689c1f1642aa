using DalleOrleans.Abstractions;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace DalleOrleans.Operations.Readiness;

/// <summary>
/// "cluster", for front ends: the cluster answers a grain call (the client is connected) and at least one device is
/// registered, i.e. some silo has joined with its model loaded. Nothing can be generated before both hold.
/// </summary>
public sealed class ClusterReachableCheck(IGrainFactory grains) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        IReadOnlyList<DeviceInfo> devices;
        try
        {
            devices = await grains.GetGrain<IModelDirectoryGrain>(0).Devices().WaitAsync(TimeSpan.FromSeconds(2), cancellationToken);
        }
        catch (Exception e) when (e is OrleansException or TimeoutException or InvalidOperationException or ObjectDisposedException)
        {
            return HealthCheckResult.Unhealthy($"the cluster did not answer: {e.Message}");
        }
        if (devices.Count == 0)
            return HealthCheckResult.Unhealthy("connected, but no device is registered: no silo has its model loaded yet.");
        int silos = devices.Select(d => d.Silo).Distinct().Count();
        return HealthCheckResult.Healthy($"{devices.Count} device(s) on {silos} silo(s) serve model {devices[0].ModelId}.");
    }
}
