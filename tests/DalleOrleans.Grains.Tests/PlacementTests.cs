using DalleOrleans.Abstractions;
using DalleOrleans.Grains.Placement;
using DalleOrleans.Testing;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;

namespace DalleOrleans.Grains.Tests;

/// <summary>Placement by least in-flight work over a silo's cached view of the directory: no herding.</summary>
public class PlacementTests(EightDeviceGenerationCluster cluster) : IClassFixture<EightDeviceGenerationCluster>
{
    [Fact]
    public async Task ThirtyTwoConcurrentRequestsSpreadEvenlyOverEightDevices()
    {
        await cluster.WaitForDevices(8);
        var view = ((InProcessSiloHandle)cluster.Cluster.Primary).SiloHost.Services.GetRequiredService<DirectoryView>();
        long refreshesBefore = view.Refreshes;
        // Two candidates per request, distinct seeds (no single flight, no cache): 64 candidates, 8 per device on average.
        var requests = Enumerable.Range(0, 32)
            .Select(i => new GenerationRequest { Prompt = "a red circle", Candidates = 2, Top = 1, Seed = 5000 + i }).ToList();
        var results = await Task.WhenAll(requests.Select(r => cluster.Client.GenerateAsync(r)));

        // Each request puts one candidate on each of two devices: a device's appearances are the candidates it drew.
        var perDevice = results.SelectMany(r => r.Devices).GroupBy(d => d).ToDictionary(g => g.Key, g => g.Count());
        Assert.All(results, r => Assert.Equal(2, r.Devices.Distinct().Count()));
        Assert.Equal(8, perDevice.Count);
        double mean = 64 / 8.0;
        Assert.All(perDevice, d => Assert.InRange(d.Value, mean * 0.75, mean * 1.25));
        // The silo's view answered the requests: far fewer directory calls than requests.
        Assert.True(view.Refreshes - refreshesBefore < requests.Count, $"{view.Refreshes - refreshesBefore} directory calls for {requests.Count} requests");
    }
}
