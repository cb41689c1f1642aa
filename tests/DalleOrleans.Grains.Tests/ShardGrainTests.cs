using DalleOrleans.Abstractions;
using DalleOrleans.Grains.Shards;
using DalleOrleans.Testing;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;

namespace DalleOrleans.Grains.Tests;

/// <summary>Pipelines of shard grains on devices of different silos.</summary>
public class ShardGrainTests(Xunit.Abstractions.ITestOutputHelper output)
{
    static readonly GenerationRequest Request = new()
        { Prompt = "a large red circle in the top left on a blue background", Candidates = 6, Top = 3, Seed = 4242, GuidanceScale = 2 };

    static async Task<(GenerationResult Result, IReadOnlyList<DeviceInfo> Devices)> Run(GenerationCluster cluster, int devices,
        Func<GenerationCluster, Task>? inspect = null)
    {
        await cluster.InitializeAsync();
        try
        {
            await cluster.WaitForDevices(devices);
            var listed = await cluster.Grains.GetGrain<IModelDirectoryGrain>(0).Devices();
            var result = await cluster.Client.GenerateAsync(Request);
            if (inspect is not null) await inspect(cluster);
            return (result, listed);
        }
        finally { await cluster.DisposeAsync(); }
    }

    static string[] Images(GenerationResult r) => r.Images.Select(i => $"{i.Candidate}:{Convert.ToBase64String(i.Png)}").ToArray();

    [Fact]
    public async Task ATwoShardPipelineOnTwoSilosGivesTheOneShardImages()
    {
        var (whole, _) = await Run(new GenerationCluster(), 1);
        var held = new List<(bool WholeModel, string Ranges, long Bytes)>();
        var (sharded, devices) = await Run(new CrossSiloPipelineCluster(), 2, async cluster =>
        {
            foreach (var silo in cluster.Cluster.Silos.Cast<InProcessSiloHandle>())
            {
                var executor = silo.SiloHost.Services.GetRequiredService<Devices.DeviceHost>().Executors.Single();
                // Read on the device thread, which alone touches the layers.
                held.Add(await executor.Run(model => (model.HoldsTransformer,
                    string.Join(",", executor.Layers.Loaded.Select(kv => $"{kv.Key.First}-{kv.Key.Count}x{kv.Value}")), executor.Layers.Bytes)));
            }
        });

        // Neither silo loaded the whole transformer: each holds its own shard's two layers, used by one shard grain.
        Assert.All(held, h => Assert.False(h.WholeModel));
        Assert.Equal(new[] { "0-2x1", "2-2x1" }, held.Select(h => h.Ranges).Order(StringComparer.Ordinal));
        // Half of the tiny model's weights each, give or take the embeddings and heads: far from all of them.
        long wholeBytes = new FileInfo(System.IO.Path.Combine(SharedTinyModel.Folder, "transformer.safetensors")).Length;
        Assert.All(held, h => Assert.InRange(h.Bytes, wholeBytes / 5, wholeBytes * 4 / 5));

        // Both devices hold half of the layers, on two silos: the only pipeline chains them.
        Assert.All(devices, d => Assert.Equal(2, d.LayerCapacity));
        Assert.Equal(2, devices.Select(d => d.Silo).Distinct().Count());
        var pipeline = Assert.Single(sharded.Devices.Distinct());
        Assert.Equal(2, pipeline.Split('+').Length);
        Assert.Equal(Images(whole), Images(sharded));
    }

    [Fact]
    public async Task WithoutMicroBatchingThePipelineDrawsTheSameImages()
    {
        var (lanes, _) = await Run(new CrossSiloPipelineCluster(), 2);
        var (single, _) = await Run(new CrossSiloPipelineCluster(microBatches: 1), 2);
        Assert.Equal(Images(lanes), Images(single));
    }

    [Fact]
    public async Task KillingASiloThatHoldsAShardFinishesItsRequestsOnAnotherPipeline()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var cluster = new MixedPipelineCluster();
        await cluster.InitializeAsync();
        try
        {
            await cluster.WaitForDevices(3);
            output.WriteLine($"cluster up after {clock.Elapsed.TotalSeconds:F1} s");
            var devices = await cluster.Grains.GetGrain<IModelDirectoryGrain>(0).Devices();
            // The chained pipeline's head drives it; the other partial device holds shard 1.
            var partial = devices.Where(d => !d.HoldsEveryLayer).OrderBy(d => d.Key, StringComparer.Ordinal).ToList();
            Assert.Equal(2, partial.Count);
            var head = (InProcessSiloHandle)cluster.Cluster.Silos.Single(s => s.SiloAddress.ToString() == partial[0].Silo);
            var shardSilo = cluster.Cluster.Silos.Single(s => s.SiloAddress.ToString() == partial[1].Silo);
            var drivers = head.SiloHost.Services.GetRequiredService<PipelineDrivers>();

            var requests = Enumerable.Range(0, 4)
                .Select(i => new GenerationRequest { Prompt = "a yellow triangle", Candidates = 8, Top = 2, Seed = 700 + i }).ToList();
            var running = requests.Select(r => cluster.Client.GenerateAsync(r)).ToList();
            // Kill the shard's silo once the pipeline holds streams (not before: then nothing would be lost to retry).
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (!drivers.All.Any(d => d.ActiveStreams > 0) && DateTime.UtcNow < deadline && !running.All(t => t.IsCompleted)) await Task.Delay(5);
            Assert.True(drivers.All.Any(d => d.ActiveStreams > 0), "the chained pipeline never held a stream");
            output.WriteLine($"pipeline busy after {clock.Elapsed.TotalSeconds:F1} s");
            await cluster.Cluster.KillSiloAsync(shardSilo);
            var killed = System.Diagnostics.Stopwatch.StartNew();

            var results = await Task.WhenAll(running).WaitAsync(TimeSpan.FromSeconds(120));
            Assert.All(results, r => Assert.Equal(2, r.Images.Count));
            Assert.Contains(drivers.All, d => d.IsBroken);
            // Some share that was on the chained pipeline was redrawn on the primary's one-shard pipeline.
            Assert.Contains(results, r => r.Devices.Any(d => !d.Contains('+')));
            output.WriteLine($"requests finished {killed.Elapsed.TotalSeconds:F1} s after the kill");
        }
        finally
        {
            await cluster.DisposeAsync();
            output.WriteLine($"cluster stopped after {clock.Elapsed.TotalSeconds:F1} s");
        }
    }
}
