using DalleOrleans.Abstractions;
using DalleOrleans.Model.Imaging;
using DalleOrleans.Grains.Devices;
using DalleOrleans.Testing;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;

namespace DalleOrleans.Grains.Tests;

public class GenerationClusterTests(GenerationCluster cluster) : IClassFixture<GenerationCluster>
{
    static GenerationRequest Request(string prompt = "a red circle", long seed = 1) =>
        new() { Prompt = prompt, Candidates = 6, Top = 3, Seed = seed, TopK = 12 };

    [Fact]
    public async Task ARequestReturnsKRankedPngs()
    {
        await cluster.WaitForDevices(1);
        var progress = new List<GenerationProgress>();
        var result = await cluster.Client.GenerateAsync(Request(seed: 100), new Progress<GenerationProgress>(progress.Add));
        Assert.Equal(3, result.Images.Count);
        Assert.Equal(new[] { 1, 2, 3 }, result.Images.Select(i => i.Rank));
        Assert.True(result.Images.Zip(result.Images.Skip(1)).All(p => p.First.Score >= p.Second.Score));
        foreach (var image in result.Images)
        {
            var (_, w, h) = PngCodec.DecodeRgb(image.Png);
            Assert.Equal((16, 16), (w, h));
        }
        Assert.False(result.CacheHit);
        Assert.Equal("tiny-test", result.ModelId);
        Assert.Equal(64, result.Fingerprint.Length);
        Assert.True(result.Timings.TokensMs > 0);
    }

    /// <summary>
    /// Twenty identical requests while the device is held: the first starts the generation and the other nineteen join it
    /// (the grain reports its waiting callers), the device receives one generation's streams, and once released every caller
    /// gets the same images from that one generation, none of them a cache hit. Asked again, it is a cache hit.
    /// </summary>
    [Fact]
    public async Task IdenticalConcurrentRequestsShareOneGenerationAndThenHitTheCache()
    {
        await cluster.WaitForDevices(1);
        var executor = ((InProcessSiloHandle)cluster.Cluster.Primary).SiloHost.Services.GetRequiredService<DeviceHost>().Executors.Single();
        var request = Request("small green square at the bottom", seed: 200);
        var fingerprint = await cluster.Client.FingerprintAsync(request);
        // Streams the (only) device accepted: one generation draws request.Candidates of them, twenty would draw 20×.
        var device = cluster.Grains.GetGrain<IDeviceGrain>((await cluster.Grains.GetGrain<IModelDirectoryGrain>(0).Devices()).Single().Key);
        long streamsBefore = (await device.Describe()).StreamsAccepted;
        using var gate = new ManualResetEventSlim(false);
        using var entered = new ManualResetEventSlim(false);
        // Hold the device thread: the first generation cannot finish, nor be cached, before every caller has arrived.
        var blocker = executor.Run(_ => { entered.Set(); gate.Wait(TimeSpan.FromSeconds(60)); return 0; });
        Assert.True(entered.Wait(TimeSpan.FromSeconds(30)));
        Task<GenerationResult>[] calls;
        try
        {
            calls = Enumerable.Range(0, 20).Select(_ => cluster.Client.GenerateAsync(request)).ToArray();
            var grain = cluster.Grains.GetGrain<IGenerationGrain>(fingerprint);
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (await grain.WaitingCallers() < 20 || executor.QueuedStreams < request.Candidates)
            {
                Assert.True(DateTime.UtcNow < deadline, $"after 30 s {await grain.WaitingCallers()} of 20 callers " +
                    $"were waiting and {executor.QueuedStreams} streams were queued: single flight did not hold");
                await Task.Delay(20);
            }
            Assert.Equal(20, await grain.WaitingCallers());
            Assert.Equal(request.Candidates, executor.QueuedStreams);          // one generation's streams, not twenty
        }
        finally
        {
            gate.Set();
            await blocker;
        }
        var results = await Task.WhenAll(calls);
        Assert.Equal(request.Candidates, (await device.Describe()).StreamsAccepted - streamsBefore);
        Assert.All(results, r => Assert.False(r.CacheHit));
        var first = results[0].Images.Select(i => Convert.ToBase64String(i.Png)).ToList();
        Assert.All(results, r => Assert.Equal(first, r.Images.Select(i => Convert.ToBase64String(i.Png))));

        var again = await cluster.Client.GenerateAsync(request);
        Assert.True(again.CacheHit);
        Assert.Equal(first, again.Images.Select(i => Convert.ToBase64String(i.Png)));
        Assert.Equal(request.Candidates, (await device.Describe()).StreamsAccepted - streamsBefore);
    }

    [Fact]
    public async Task TheShareThatDrawsCandidateZeroSendsPartialPreviewsAtWholeGridRows()
    {
        await cluster.WaitForDevices(1);
        var device = (await cluster.Grains.GetGrain<IModelDirectoryGrain>(0).Devices()).First();
        var request = Request("a blue square on black", seed: 300);
        var fingerprint = await cluster.Client.FingerprintAsync(request);
        var updates = new List<TokenUpdate>();
        await foreach (var update in cluster.Grains.GetGrain<IDeviceGrain>(device.Key).DrawTokens(
                           new TokenWork { Fingerprint = fingerprint, Request = request, CandidateIndices = new[] { 0, 1 } }))
            updates.Add(update);

        var previews = updates.Where(u => u.PreviewPng is not null).ToList();
        Assert.NotEmpty(previews);
        int grid = (int)Math.Sqrt(device.ImageTokens);              // tiny model: 4×4 tokens, previews after rows 1, 2 and 3
        Assert.All(previews, p => Assert.Contains(p.PreviewTokens, new[] { grid, 2 * grid, 3 * grid }));
        Assert.Equal(previews.Select(p => p.PreviewTokens).OrderBy(t => t), previews.Select(p => p.PreviewTokens));
        foreach (var p in previews)
        {
            var (rgb, w, h) = PngCodec.DecodeRgb(p.PreviewPng!);
            Assert.Equal((16, 16), (w, h));
            int firstGreyRow = p.PreviewTokens / grid * (h / grid);
            Assert.All(rgb.Skip(firstGreyRow * w * 3), b => Assert.Equal(128, b));     // rows still to be drawn
        }
        Assert.NotNull(updates[^1].Tokens);

        // A share without candidate 0 sends none: one preview per generation is enough for a watcher.
        var other = new List<TokenUpdate>();
        await foreach (var update in cluster.Grains.GetGrain<IDeviceGrain>(device.Key).DrawTokens(
                           new TokenWork { Fingerprint = fingerprint, Request = request, CandidateIndices = new[] { 2, 3 } }))
            other.Add(update);
        Assert.All(other, u => Assert.Null(u.PreviewPng));
    }

    [Theory]
    [InlineData(0, 1, 1.0, "candidates")]
    [InlineData(4, 5, 1.0, "top")]
    [InlineData(4, 2, 0.0, "temperature")]
    public async Task BadRequestsAreRefusedNamingTheField(int candidates, int top, double temperature, string field)
    {
        await cluster.WaitForDevices(1);
        var e = await Assert.ThrowsAsync<ArgumentException>(() => cluster.Client.GenerateAsync(
            new GenerationRequest { Prompt = "a red circle", Candidates = candidates, Top = top, Temperature = temperature }));
        Assert.StartsWith(field, e.Message);
    }

    [Fact]
    public async Task AnOverLongPromptIsRefusedWithTheModelsLimit()
    {
        await cluster.WaitForDevices(1);
        var prompt = string.Join(" ", Enumerable.Repeat("red circle", 30));
        var e = await Assert.ThrowsAnyAsync<ArgumentException>(() => cluster.Client.GenerateAsync(Request(prompt)));
        Assert.Contains("16 tokens", e.Message);
    }

    [Fact]
    public async Task CancellingARequestFreesItsBatchSlots()
    {
        await cluster.WaitForDevices(1);
        using var cts = new CancellationTokenSource();
        var request = new GenerationRequest { Prompt = "a yellow triangle", Candidates = 64, Top = 1, Seed = 300, GuidanceScale = 3 };
        var running = cluster.Client.GenerateAsync(request, cancellation: cts.Token);
        var directory = cluster.Grains.GetGrain<IModelDirectoryGrain>(0);
        var device = cluster.Grains.GetGrain<IDeviceGrain>((await directory.Devices())[0].Key);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((await device.Describe()).ActiveStreams == 0 && DateTime.UtcNow < deadline && !running.IsCompleted) await Task.Delay(5);
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
        while (DateTime.UtcNow < deadline)
        {
            var info = await device.Describe();
            if (info.ActiveStreams == 0 && info.QueuedStreams == 0) return;
            await Task.Delay(20);
        }
        Assert.Fail("the cancelled request's streams still hold batch slots");
    }
}
