using DalleOrleans.Grains;
using Orleans.TestingHost;
using Xunit;

namespace DalleOrleans.Testing;

/// <summary>An in-process Orleans cluster (Microsoft.Orleans.TestingHost) for tests; one per test class via IClassFixture.</summary>
public class InProcessCluster : IAsyncLifetime
{
    public TestCluster Cluster { get; private set; } = null!;
    public IGrainFactory Grains => Cluster.GrainFactory;

    protected virtual short InitialSilos => 1;

    public async Task InitializeAsync()
    {
        var builder = new TestClusterBuilder(InitialSilos);
        ConfigureBuilder(builder);
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    protected virtual void ConfigureBuilder(TestClusterBuilder builder) { }

    public async Task DisposeAsync()
    {
        if (Cluster is null) return;
        await Cluster.StopAllSilosAsync();
        await Cluster.DisposeAsync();
    }
}
