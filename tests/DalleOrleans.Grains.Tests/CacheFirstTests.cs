using DalleOrleans.Abstractions;
using DalleOrleans.Grains.Devices;
using DalleOrleans.Testing;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;

namespace DalleOrleans.Grains.Tests;

/// <summary>The cache answers before any device is needed.</summary>
public class CacheFirstTests
{
    [Fact]
    public async Task ACachedResultIsReturnedWithNoDeviceInTheCluster()
    {
        var cluster = new GenerationCluster();
        await cluster.InitializeAsync();
        try
        {
            await cluster.WaitForDevices(1);
            var request = new GenerationRequest { Prompt = "a green square", Candidates = 2, Top = 1, Seed = 77 };
            var first = await cluster.Client.GenerateAsync(request);
            Assert.False(first.CacheHit);

            // The silo's only device leaves the directory (a drain: deregistered, no new work, no re-registration).
            var registration = ((InProcessSiloHandle)cluster.Cluster.Primary).SiloHost.Services.GetRequiredService<DeviceRegistration>();
            await registration.DrainAsync(CancellationToken.None);
            Assert.Empty(await cluster.Grains.GetGrain<IModelDirectoryGrain>(0).Devices());

            var again = await cluster.Client.GenerateAsync(request);
            Assert.True(again.CacheHit);
            Assert.Equal(first.Images.Select(i => Convert.ToBase64String(i.Png)), again.Images.Select(i => Convert.ToBase64String(i.Png)));
        }
        finally
        {
            await cluster.DisposeAsync();
        }
    }
}
