using DalleOrleans.Grains.Devices;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace DalleOrleans.Operations.Readiness;

/// <summary>"model": every device of this silo has its model loaded (loading takes seconds; a failed load never recovers).</summary>
public sealed class ModelLoadedCheck(DeviceHost devices) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var failed = devices.Executors.Where(e => e.Ready.IsFaulted).ToList();
        if (failed.Count > 0)
            return Task.FromResult(HealthCheckResult.Unhealthy(string.Join("; ", failed.Select(e =>
                $"device {e.Device}: the model could not be loaded: {e.Ready.Exception?.GetBaseException().Message}"))));
        var loading = devices.Executors.Where(e => !e.Ready.IsCompletedSuccessfully).Select(e => e.Device).ToList();
        if (loading.Count > 0)
            return Task.FromResult(HealthCheckResult.Unhealthy($"loading the model from '{devices.Settings.Path}' on {string.Join(", ", loading)}."));
        var model = devices.Executors.First().Ready.Result;
        return Task.FromResult(HealthCheckResult.Healthy(
            $"model {model.ModelId} loaded on {string.Join(", ", devices.Executors.Select(e => e.Device))}."));
    }
}
