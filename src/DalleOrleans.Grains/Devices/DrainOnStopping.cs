using Microsoft.Extensions.Hosting;

namespace DalleOrleans.Grains.Devices;

/// <summary>
/// Starts the devices' drain at the very beginning of a host's shutdown, before any hosted service is stopped.
/// Why: the host stops services in reverse order, and the web server (the silo's /readyz and /metrics listener) would
/// otherwise close at once and stay closed through a drain of up to Model:DrainSeconds; during this phase it keeps
/// answering, /readyz with 503 "stopping", so orchestrators see a draining silo rather than a dead one.
/// </summary>
public sealed class DrainOnStopping(DeviceRegistration registration) : IHostedLifecycleService
{
    public Task StoppingAsync(CancellationToken cancellationToken) => registration.DrainAsync(cancellationToken);

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
