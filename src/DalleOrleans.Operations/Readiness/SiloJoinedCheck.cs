using DalleOrleans.Grains.Devices;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Orleans.Runtime;

namespace DalleOrleans.Operations.Readiness;

/// <summary>
/// "silo": this silo is Active in the cluster's membership table (not still joining), and the host is not stopping:
/// a stopping silo turns unready as soon as shutdown begins, while it still drains, so rollouts wait for its successor.
/// The drain starts before the host signals ApplicationStopping (<see cref="DrainOnStopping"/>), so both are asked.
/// </summary>
public sealed class SiloJoinedCheck(IClusterMembershipService membership, ILocalSiloDetails silo, IHostApplicationLifetime lifetime,
    DeviceRegistration devices) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (lifetime.ApplicationStopping.IsCancellationRequested || devices.Draining)
            return Task.FromResult(HealthCheckResult.Unhealthy($"silo {silo.SiloAddress} is stopping (draining its devices)."));
        var snapshot = membership.CurrentSnapshot;
        var status = snapshot.GetSiloStatus(silo.SiloAddress);
        int active = snapshot.Members.Values.Count(m => m.Status == SiloStatus.Active);
        return Task.FromResult(status == SiloStatus.Active
            ? HealthCheckResult.Healthy($"silo {silo.SiloAddress} is active in cluster '{silo.ClusterId}' ({active} active silo(s)).")
            : HealthCheckResult.Unhealthy($"silo {silo.SiloAddress} is {status} in cluster '{silo.ClusterId}', not Active."));
    }
}
