using DalleOrleans.Abstractions;
using DalleOrleans.Testing;

namespace DalleOrleans.Grains.Tests;

/// <summary>Two silos, each with its own device: work is spread over both, and losing one loses no request.</summary>
public class TwoSiloTests
{
    [Fact]
    public async Task CandidatesAreSpreadOverBothSilosDevices()
    {
        var cluster = new TwoSiloGenerationCluster();
        await cluster.InitializeAsync();
        try
        {
            await cluster.WaitForDevices(2);
            var devices = await cluster.Grains.GetGrain<IModelDirectoryGrain>(0).Devices();
            Assert.Equal(2, devices.Select(d => d.Silo).Distinct().Count());
            var result = await cluster.Client.GenerateAsync(new GenerationRequest { Prompt = "a red circle", Candidates = 8, Top = 2, Seed = 1 });
            Assert.Equal(2, result.Devices.Distinct().Count());
        }
        finally
        {
            await cluster.DisposeAsync();
        }
    }

    [Fact]
    public async Task KillingASiloMidGenerationLosesNoRequest()
    {
        var cluster = new TwoSiloGenerationCluster();
        await cluster.InitializeAsync();
        try
        {
            await cluster.WaitForDevices(2);
            // Reference images from an undisturbed cluster state: the same seed must give the same images after a retry.
            var reference = await cluster.Client.GenerateAsync(new GenerationRequest { Prompt = "blue circle on black", Candidates = 8, Top = 2, Seed = 999 });

            var requests = Enumerable.Range(0, 12)
                .Select(i => new GenerationRequest { Prompt = i % 2 == 0 ? "a yellow triangle" : "small green square at the bottom", Candidates = 16, Top = 2, Seed = i, GuidanceScale = 2 })
                .ToList();
            var running = requests.Select(r => cluster.Client.GenerateAsync(r)).ToList();
            await Task.Delay(300);                                     // let work reach both devices
            await cluster.Cluster.KillSiloAsync(cluster.Cluster.SecondarySilos[0]);

            try { await Task.WhenAll(running).WaitAsync(TimeSpan.FromSeconds(150)); }
            catch (Exception e)
            {
                var states = string.Join("; ", running.Select((t, i) => $"{i}:{t.Status}:{t.Exception?.InnerException?.GetType().Name}:{t.Exception?.InnerException?.Message}"));
                throw new Exception($"requests did not all finish: {states}", e);
            }
            var results = await Task.WhenAll(running);
            Assert.All(results, r => Assert.Equal(2, r.Images.Count));

            var again = await cluster.Client.GenerateAsync(new GenerationRequest { Prompt = "blue circle on black", Candidates = 8, Top = 2, Seed = 999 });
            Assert.Equal(reference.Images.Select(i => Convert.ToBase64String(i.Png)), again.Images.Select(i => Convert.ToBase64String(i.Png)));
        }
        finally
        {
            await cluster.DisposeAsync();
        }
    }
}
