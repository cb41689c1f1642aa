using DalleOrleans.Grains.Devices;
using DalleOrleans.Model;
using DalleOrleans.Model.Generation;
using DalleOrleans.Model.Imaging;
using DalleOrleans.Model.Sampling;
using DalleOrleans.Testing;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;

namespace DalleOrleans.Grains.Tests;

/// <summary>The device's finish worker merges the decode and rerank of requests that wait together into one call.</summary>
public class FinishWorkerTests(GenerationCluster cluster) : IClassFixture<GenerationCluster>
{
    [Fact]
    public async Task RequestsWaitingTogetherAreDecodedInOneBatchWithTheirOwnResults()
    {
        await cluster.WaitForDevices(1);
        var executor = ((InProcessSiloHandle)cluster.Cluster.Primary).SiloHost.Services.GetRequiredService<DeviceHost>().Executors.Single();
        var model = await executor.Ready;
        int g = model.Config.Dvae.GridSize, vocab = model.Config.Transformer.ImageVocabSize;
        var random = new Random(5);
        var jobs = Enumerable.Range(0, 4).Select(j => new FinishJob(
            new ImageRequest(j % 2 == 0 ? "a red circle" : "a blue square", Candidates: 3, Top: 2),
            Enumerable.Range(0, 3).Select(_ => Enumerable.Range(0, g * g).Select(_ => random.Next(vocab)).ToArray()).ToArray())).ToList();

        // Hold the worker, queue the four jobs behind the holder, release: they must go through as one batch.
        using var gate = new ManualResetEventSlim(false);
        using var entered = new ManualResetEventSlim(false);
        var holder = executor.Finisher.Run(_ => { entered.Set(); gate.Wait(TimeSpan.FromSeconds(60)); return 0; });
        Assert.True(entered.Wait(TimeSpan.FromSeconds(30)));
        long batchesBefore = executor.Finisher.Batches;
        var finishing = jobs.Select(executor.Finisher.Finish).ToList();
        gate.Set();
        await holder;
        var batched = await Task.WhenAll(finishing);
        Assert.Equal(1, executor.Finisher.Batches - batchesBefore);

        // Each job keeps what the one-request path (Generator.Finish, on this test's thread with its own model) keeps.
        using var reference = ModelBundle.Load(SharedTinyModel.Folder, TorchSharp.torch.CPU);
        for (int j = 0; j < jobs.Count; j++)
        {
            var alone = Generator.Finish(reference, jobs[j].Request, jobs[j].ImageTokens, 0);
            Assert.Equal(alone.Images.Select(i => i.Candidate), batched[j].Images.Select(i => i.Candidate));
            Assert.Equal(alone.Images.Select(i => Convert.ToBase64String(i.Png)),
                batched[j].Images.Select(k => Convert.ToBase64String(PngCodec.EncodeRgb(k.Rgb, k.Width, k.Height))));
        }
    }
}
