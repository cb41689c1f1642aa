using DalleOrleans.Abstractions;
using DalleOrleans.Grains.Devices;
using DalleOrleans.Testing;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;

namespace DalleOrleans.Grains.Tests;

/// <summary>
/// A silo that stops gracefully (SIGTERM, a scale-in) drains: its device leaves the directory at once, so new work goes
/// elsewhere, and the streams it holds finish there and are used, not redrawn; no request fails.
/// </summary>
public class DrainTests
{
    static DeviceExecutor ExecutorOf(SiloHandle silo) =>
        ((InProcessSiloHandle)silo).SiloHost.Services.GetRequiredService<DeviceHost>().Executors.Single();

    [Fact]
    public async Task AStoppingSiloTakesNoNewStreamsAndFinishesTheOnesItHas()
    {
        var cluster = new TwoSiloGenerationCluster();
        await cluster.InitializeAsync();
        using var gate = new ManualResetEventSlim(false);
        try
        {
            await cluster.WaitForDevices(2);
            var secondary = cluster.Cluster.SecondarySilos[0];
            var draining = ExecutorOf(secondary);
            string drainingKey = (await cluster.Grains.GetGrain<IModelDirectoryGrain>(0).Devices()).Single(d => d.Silo == secondary.SiloAddress.ToString()).Key;

            // Hold the secondary's device thread, so the streams it accepts are still waiting when the silo stops.
            using var entered = new ManualResetEventSlim(false);
            var blocker = draining.Run(_ => { entered.Set(); gate.Wait(TimeSpan.FromSeconds(60)); return 0; });
            Assert.True(entered.Wait(TimeSpan.FromSeconds(30)));
            var running = Enumerable.Range(0, 6)
                .Select(i => cluster.Client.GenerateAsync(new GenerationRequest { Prompt = "a red circle", Candidates = 4, Top = 1, Seed = 500 + i }))
                .ToList();
            await Until(() => draining.QueuedStreams == 6 * 2, "every request placing two candidates on the secondary");

            var stopping = cluster.Cluster.StopSiloAsync(secondary);
            await Until(async () => (await cluster.Grains.GetGrain<IModelDirectoryGrain>(0).Devices()).All(d => d.Key != drainingKey),
                "the stopping silo's device leaving the directory");
            // New work while it drains goes to the other device only.
            var fresh = await cluster.Client.GenerateAsync(new GenerationRequest { Prompt = "a blue square", Candidates = 4, Top = 1, Seed = 600 });
            Assert.DoesNotContain(drainingKey, fresh.Devices);
            Assert.False(stopping.IsCompleted);                        // still draining: its streams wait on the held thread
            // Longer than the generation grain's stall check (2 s): it must not mistake a draining device for a lost one.
            await Task.Delay(TimeSpan.FromSeconds(3));

            gate.Set();
            await blocker;
            await stopping.WaitAsync(TimeSpan.FromSeconds(60));
            var results = await Task.WhenAll(running).WaitAsync(TimeSpan.FromSeconds(60));
            // Every request used the tokens drawn on the draining device: they were finished there, not drawn again.
            Assert.All(results, r => Assert.Contains(drainingKey, r.Devices));
            Assert.Equal(0, draining.QueuedStreams + draining.ActiveStreams);
        }
        finally
        {
            gate.Set();
            await cluster.DisposeAsync();
        }
    }

    [Fact]
    public async Task DrainWaitsUntilEveryCallHasHandedItsResultsOver()
    {
        // A finished stream whose caller has not read its last update yet: leaving now would abort the caller's enumeration.
        using var executor = new DeviceExecutor("cpu", device => DalleOrleans.Model.ModelBundle.Load(SharedTinyModel.Folder, device),
            new DeviceSettings { Devices = new[] { "cpu" }, MaxBatchRows = 4 }, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        await executor.Ready;
        var call = executor.TrackCall();
        var drain = executor.DrainAsync(CancellationToken.None);
        Assert.True(executor.Draining);
        // Held open for twice the drain's own quiet spell: a drain that ignored the call would have finished by then
        // (the wait ends early if it does). A drain that waits for it cannot finish however slow the machine is.
        await Task.WhenAny(drain, Task.Delay(DeviceExecutor.DrainQuiet * 2));
        Assert.False(drain.IsCompleted, "the drain finished while a call was still handing its results over");
        call.Dispose();
        call.Dispose();                                              // twice counts once
        await drain.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(0, executor.Calls);
    }

    static Task Until(Func<bool> condition, string what) => Until(() => Task.FromResult(condition()), what);

    static async Task Until(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"timed out waiting for {what}.");
            await Task.Delay(50);
        }
    }
}
