using DalleOrleans.Abstractions;
using DalleOrleans.Grains.Devices;
using DalleOrleans.Testing;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;

namespace DalleOrleans.Grains.Tests;

/// <summary>
/// Faults inside a device, and overload, seen from a front end's GenerationClient: each request either succeeds or
/// fails cleanly with a message, and the device goes on serving the next one.
/// </summary>
public class FaultTests(GenerationCluster cluster) : IClassFixture<GenerationCluster>
{
    DeviceExecutor Executor =>
        ((InProcessSiloHandle)cluster.Cluster.Primary).SiloHost.Services.GetRequiredService<DeviceHost>().Executors.Single();

    static GenerationRequest Request(long seed, int candidates = 4) =>
        new() { Prompt = "a purple circle", Candidates = candidates, Top = 1, Seed = seed };

    [Fact]
    public async Task ADecodeStepThatThrowsFailsItsRequestCleanlyAndTheDeviceServesTheNext()
    {
        await cluster.WaitForDevices(1);
        Executor.InjectStepFault(new InvalidOperationException("injected device fault"));
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => cluster.Client.GenerateAsync(Request(1)));
        Assert.Contains("injected device fault", e.Message);

        var next = await cluster.Client.GenerateAsync(Request(2));
        Assert.Single(next.Images);
        Assert.Equal(0, Executor.ActiveStreams + Executor.QueuedStreams);
        // The failed request was not cached: asked again, it is generated (and now succeeds).
        var retried = await cluster.Client.GenerateAsync(Request(1));
        Assert.False(retried.CacheHit);
    }

    [Fact]
    public async Task ADeviceJobThatThrowsFaultsOnlyItsOwnTask()
    {
        await cluster.WaitForDevices(1);
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            Executor.Run<int>(_ => throw new InvalidOperationException("job failed on the device thread")));
        Assert.Contains("job failed", e.Message);
        Assert.Single((await cluster.Client.GenerateAsync(Request(3))).Images);
    }

    [Fact]
    public async Task AFullDeviceQueueRefusesAtOnceAndCancelledWaitersFreeTheirSlots()
    {
        await cluster.WaitForDevices(1);
        using var gate = new ManualResetEventSlim(false);
        using var entered = new ManualResetEventSlim(false);
        // Holds the device thread, so accepted streams wait in the admission queue (512 in the test silos).
        var blocker = Executor.Run(_ => { entered.Set(); gate.Wait(TimeSpan.FromSeconds(90)); return 0; });
        Assert.True(entered.Wait(TimeSpan.FromSeconds(30)));
        using var cancel = new CancellationTokenSource();
        var waiting = new List<Task<GenerationResult>>();
        try
        {
            for (int i = 0; i < 8; i++) waiting.Add(cluster.Client.GenerateAsync(Request(1000 + i, candidates: 64), cancellation: cancel.Token));
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (Executor.QueuedStreams < 512 && DateTime.UtcNow < deadline) await Task.Delay(20);
            Assert.Equal(512, Executor.QueuedStreams);

            var refused = await Assert.ThrowsAsync<DeviceOverloadedException>(() => cluster.Client.GenerateAsync(Request(2000)));
            Assert.Contains("retry later", refused.Message);
            Assert.Equal(512, Executor.QueuedStreams);                 // the refused request queued nothing

            cancel.Cancel();                                           // the waiting callers give up
            foreach (var t in waiting) await Assert.ThrowsAnyAsync<OperationCanceledException>(() => t);
        }
        finally
        {
            gate.Set();
            await blocker;
        }
        // Their streams are dropped without a single decode step, and the device serves the next request.
        var freed = DateTime.UtcNow.AddSeconds(30);
        while (Executor.QueuedStreams + Executor.ActiveStreams > 0 && DateTime.UtcNow < freed) await Task.Delay(20);
        Assert.Equal(0, Executor.QueuedStreams + Executor.ActiveStreams);
        Assert.Single((await cluster.Client.GenerateAsync(Request(2001))).Images);
    }
}
