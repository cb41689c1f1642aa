using DalleOrleans.Abstractions;
using DalleOrleans.Grains.Placement;
using Microsoft.Extensions.Logging;

namespace DalleOrleans.Grains.Devices;

/// <summary>
/// Announces this silo's devices to the ModelDirectoryGrain once the silo is active, refreshes them (with
/// their load) every few seconds, and on shutdown deregisters them (no new work is routed here) and drains
/// them (running streams finish) before the silo leaves. A silo lifecycle participant at the Active stage,
/// so it works the same in the silo host, the CLI's embedded silo and TestingHost clusters.
/// </summary>
public sealed class DeviceRegistration(DeviceHost host, Shards.PipelineDrivers drivers, IGrainFactory grains, ILocalSiloDetails silo, ILogger<DeviceRegistration> log)
    : ILifecycleParticipant<ISiloLifecycle>
{
    public static readonly TimeSpan Refresh = TimeSpan.FromSeconds(3);
    readonly CancellationTokenSource _stop = new();
    Task _loop = Task.CompletedTask;

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(DeviceRegistration), ServiceLifecycleStage.Active, OnStart, OnStop);

    string KeyOf(DeviceExecutor e) => DevicePlacementDirector.Key(silo.SiloAddress, e.Device);

    Task OnStart(CancellationToken cancellation)
    {
        _loop = Task.Run(() => Announce(_stop.Token));
        return Task.CompletedTask;
    }

    async Task Announce(CancellationToken stopping)
    {
        try { await host.WhenReady().WaitAsync(stopping); }
        catch (OperationCanceledException) { return; }
        catch (Exception e) { log.LogError("Devices of this silo failed to load; none is registered: {Error}", e.Message); return; }
        var directory = grains.GetGrain<IModelDirectoryGrain>(0);
        var announced = new HashSet<string>();
        while (!stopping.IsCancellationRequested)
        {
            foreach (var executor in host.Executors)
            {
                try
                {
                    var model = await executor.Ready;
                    var headed = drivers.LoadHeadedBy(KeyOf(executor));          // pipelines of shard grains it drives
                    await directory.Register(new DeviceInfo
                    {
                        Key = KeyOf(executor), Silo = silo.SiloAddress.ToString(), Device = executor.Device, ModelId = model.ModelId,
                        MaxBatchRows = executor.MaxBatchRows, ActiveStreams = executor.ActiveStreams + headed.Active,
                        QueuedStreams = executor.QueuedStreams + headed.Queued, Draining = executor.Draining,
                        ImageTokens = model.Config.Transformer.ImageTokens, ImageVocabSize = model.Config.Transformer.ImageVocabSize,
                        Layers = model.Config.Transformer.Layers, LayerCapacity = executor.LayerCapacity,
                        StreamsAccepted = executor.StreamsAccepted, TextTokens = model.Config.Transformer.TextLength,
                    });
                    // Once per device: operators (and deploy/scale-scenario.sh) read from it when new capacity is routable.
                    if (announced.Add(executor.Device))
                        log.LogInformation("Device {Device} ({Key}, model {Model}, {Rows} rows) registered with the model directory",
                            executor.Device, KeyOf(executor), model.ModelId, executor.MaxBatchRows);
                }
                catch (Exception e) when (!stopping.IsCancellationRequested)
                {
                    log.LogWarning("Registering device {Device} failed (will retry): {Error}", executor.Device, e.Message);
                }
            }
            try { await Task.Delay(Refresh, stopping); } catch (OperationCanceledException) { }
        }
    }

    Task OnStop(CancellationToken cancellation) => DrainAsync(cancellation);

    readonly object _drainGate = new();
    Task? _drain;

    /// <summary>
    /// Deregisters this silo's devices and waits until their streams and calls are done. Idempotent: the host starts it
    /// as soon as it begins stopping (<see cref="DrainOnStopping"/>, while the operations listener still answers), and the
    /// silo lifecycle's stop awaits the same drain.
    /// </summary>
    public Task DrainAsync(CancellationToken cancellation)
    {
        lock (_drainGate) return _drain ??= Drain(cancellation);
    }

    /// <summary>True from the moment the drain starts: readiness reports the silo as stopping.</summary>
    public bool Draining
    {
        get { lock (_drainGate) return _drain is not null; }
    }

    async Task Drain(CancellationToken cancellation)
    {
        _stop.Cancel();
        await _loop;
        var directory = grains.GetGrain<IModelDirectoryGrain>(0);
        foreach (var executor in host.Executors)
        {
            try
            {
                await directory.Deregister(KeyOf(executor));   // stop routing new work here first
                int running = executor.ActiveStreams + executor.QueuedStreams;
                long steps = executor.Steps;
                var clock = System.Diagnostics.Stopwatch.StartNew();
                log.LogInformation("Device {Device} deregistered from the model directory; draining {Running} running or queued streams ({Calls} calls in progress)",
                    executor.Device, running, executor.Calls);
                await executor.DrainAsync(cancellation);        // then let running streams finish and reach their callers
                log.LogInformation("Device {Device} drained: every stream finished in {Ms:F0} ms ({Running} were running or queued at deregistration; {Steps} decode steps)",
                    executor.Device, clock.Elapsed.TotalMilliseconds, running, executor.Steps - steps);
            }
            catch (Exception e)
            {
                log.LogWarning("Draining device {Device} did not finish cleanly: {Error}", executor.Device, e.Message);
            }
        }
    }
}
