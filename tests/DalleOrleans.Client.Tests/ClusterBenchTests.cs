using DalleOrleans.Client.Bench;

namespace DalleOrleans.Client.Tests;

/// <summary>
/// `dalle bench batching | cache | memory | compare`: bad options exit with code 2 naming the option and its range before
/// anything starts; each mode runs end to end on the tiny model. Timings are never asserted, only that the runs complete.
/// </summary>
public class ClusterBenchTests(TinyModelFolder model) : IClassFixture<TinyModelFolder>
{
    [Theory]
    [InlineData("--concurrency", "bench", "batching", "--concurrency", "1")]
    [InlineData("--seconds", "bench", "batching", "--seconds", "0")]
    [InlineData("--top", "bench", "batching", "--candidates", "2", "--top", "3")]
    [InlineData("--hits", "bench", "cache", "--hits", "0")]
    [InlineData("--keys", "bench", "cache", "--keys", "20000")]
    [InlineData("--concurrency", "bench", "cache", "--concurrency", "0")]
    [InlineData("--every", "bench", "memory", "--generations", "10", "--every", "11")]
    [InlineData("--streams", "bench", "memory", "--streams", "1")]
    [InlineData("--max-seconds", "bench", "memory", "--max-seconds", "0")]
    [InlineData("--rounds", "bench", "compare", "--rounds", "0")]
    [InlineData("--torch-threads", "bench", "compare", "--torch-threads", "0")]
    [InlineData("--model", "bench", "batching", "--model", "/nonexistent-model")]
    public async Task ABadOptionExitsWithCodeTwo(string option, params string[] args)
    {
        var run = new CapturedTerminal();
        Assert.Equal(2, await run.InvokeAsync(args));
        Assert.StartsWith("error: ", run.ErrorLines[^1]);
        Assert.Contains(option, run.ErrorLines[^1]);
    }

    public static TheoryData<string, Action> BadSettings => new()
    {
        { "--concurrency", () => new BatchingBench.Settings(null, "models", 1, 10, 4, 1, 0).Validate() },
        { "--seconds", () => new BatchingBench.Settings(null, "models", 16, 601, 4, 1, 0).Validate() },
        { "--candidates", () => new BatchingBench.Settings(null, "models", 16, 10, 65, 1, 0).Validate() },
        { "--hits", () => new CacheBench.Settings("127.0.0.1:1", "m", 0, 32, 64, 0).Validate() },
        { "--keys", () => new CacheBench.Settings("127.0.0.1:1", "m", 10, 32, 0, 0).Validate() },
        { "--generations", () => new MemoryBench.Settings("models", 0, 1, 8, 4, 32, 10).Validate() },
        { "--candidates", () => new MemoryBench.Settings("models", 10, 5, 8, 0, 32, 10).Validate() },
        { "--max-seconds", () => new MemoryBench.Settings("models", 10, 5, 8, 4, 32, double.NaN).Validate() },
    };

    [Theory]
    [MemberData(nameof(BadSettings))]
    public void TheMessageNamesTheOptionAndItsRange(string option, Action validate)
    {
        var e = Assert.Throws<ArgumentException>(validate);
        Assert.StartsWith(option + " is ", e.Message);
        Assert.Contains("must be between", e.Message);
    }

    [Fact]
    public async Task BatchingRunsBothPointsThroughAnEmbeddedSilo()
    {
        var (single, batched, ratio) = await BatchingBench.RunAsync(new BatchingBench.Settings(null, model.Path, 3, 1, 2, 1, 0), CancellationToken.None);
        Assert.Equal(0, single.Errors + batched.Errors);
        Assert.True(single.Requests > 0 && batched.Requests > 0 && ratio > 0);
        Assert.Equal(0, batched.CacheHitRate);              // unique seeds: every request generates
    }

    [Fact]
    public async Task CacheHitsComeFromARealRedisThroughTheCluster()
    {
        var (sequential, concurrent) = await CacheBench.RunAsync(new CacheBench.Settings(null, model.Path, 40, 4, 3, 0), CancellationToken.None);
        Assert.Equal((40, 0, 1.0), (sequential.Requests, sequential.Errors, sequential.CacheHitRate));
        Assert.Equal((40, 0, 1.0), (concurrent.Requests, concurrent.Errors, concurrent.CacheHitRate));
    }

    [Fact]
    public async Task MemoryMeasuresGrowthAndStreamPeaks()
    {
        var report = await MemoryBench.RunAsync(new MemoryBench.Settings(model.Path, 4, 2, 2, 2, 3, 120), CancellationToken.None);
        Assert.True(report.Finished);
        Assert.Equal(new[] { 0, 2, 4 }, report.Growth.Select(g => g.Generations));
        Assert.All(report.Growth, g => Assert.True(g.ResidentMiB > 0));
        Assert.Equal(new[] { 1, 3 }, report.Peaks.Select(p => p.Streams));
    }

    [Fact]
    public async Task CompareTakesTurnsAtBothPoints()
    {
        var plan = new LoadPlan(Concurrency: 3, Requests: 4, Duration: null, UniquePrompts: 1_000_000, Candidates: 2, Top: 1);
        var points = await CompareBench.RunAsync(plan, model.Path, rows: 8, CancellationToken.None, rounds: 2);
        Assert.Equal(new[] { 1, 3 }, points.Select(p => p.Cluster.Concurrency));
        Assert.All(points, p => Assert.Equal((4, 4, 0), (p.Baseline.Requests, p.Cluster.Requests, p.Baseline.Errors + p.Cluster.Errors)));
    }
}
