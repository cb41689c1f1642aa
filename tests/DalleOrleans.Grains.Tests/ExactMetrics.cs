namespace DalleOrleans.Grains.Tests;

/// <summary>
/// Tests that count the process-wide "DalleOrleans" meter exactly (a MetricCollector sees every silo of this test
/// process): they run alone, after the parallel ones, so no other test's measurements mix in.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ExactMetrics
{
    public const string Name = "exact metrics";
}
