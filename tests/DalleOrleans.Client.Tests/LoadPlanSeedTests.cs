using DalleOrleans.Client.Bench;

namespace DalleOrleans.Client.Tests;

/// <summary>`bench --seed`: consecutive runs against one cluster draw new requests instead of hitting the shared cache.</summary>
public class LoadPlanSeedTests
{
    [Fact]
    public void TheFirstSeedShiftsEveryDistinctRequest()
    {
        var first = new LoadPlan(1, 10, null, UniquePrompts: 3, Candidates: 2, Top: 1);
        var later = first with { Seed0 = 1000 };
        Assert.Equal(new long[] { 0, 1, 2, 0 }, Enumerable.Range(0, 4).Select(i => first.RequestFor(i).Seed));
        Assert.Equal(new long[] { 1000, 1001, 1002, 1000 }, Enumerable.Range(0, 4).Select(i => later.RequestFor(i).Seed));
        Assert.Equal(first.RequestFor(1).Prompt, later.RequestFor(1).Prompt);
    }

    [Fact]
    public void ANegativeSeedNamesTheOption()
    {
        var e = Assert.Throws<ArgumentException>(() => new LoadPlan(1, 10, null, 3, 2, 1, Seed0: -1).Validate());
        Assert.StartsWith("seed", e.Message);
    }
}
