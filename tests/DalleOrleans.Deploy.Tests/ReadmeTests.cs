using DalleOrleans.Operations;

namespace DalleOrleans.Deploy.Tests;

/// <summary>deploy/README.md documents every configuration key of the silo and the operations endpoints.</summary>
public sealed class ReadmeTests
{
    [Fact]
    public void DocumentsEverySiloKeyAndTheOperationsPaths()
    {
        var readme = Repo.Read("deploy/README.md");
        var undocumented = SiloKeys.Known.Where(k => !k.StartsWith("Logging:", StringComparison.Ordinal) && !readme.Contains($"`{k}`")).ToList();
        Assert.True(undocumented.Count == 0, $"deploy/README.md does not document {string.Join(", ", undocumented)}");
        foreach (var path in new[] { HealthEndpoints.LivePath, HealthEndpoints.ReadyPath, MetricsExport.Path })
            Assert.Contains($"`{path}`", readme);
    }
}
