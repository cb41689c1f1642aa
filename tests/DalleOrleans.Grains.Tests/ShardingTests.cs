using DalleOrleans.Abstractions;
using DalleOrleans.Testing;

namespace DalleOrleans.Grains.Tests;

public class ShardingTests
{
    [Fact]
    public async Task TwoShardAndOneShardPipelinesGiveIdenticalImages()
    {
        var request = new GenerationRequest { Prompt = "a large red circle in the top left on a blue background", Candidates = 6, Top = 3, Seed = 4242, GuidanceScale = 2 };
        async Task<string[]> Run(GenerationCluster cluster, int shards)
        {
            await cluster.InitializeAsync();
            try
            {
                await cluster.WaitForDevices(1);
                Assert.Equal(shards, (await cluster.Grains.GetGrain<IModelDirectoryGrain>(0).Devices())[0].Shards);
                var result = await cluster.Client.GenerateAsync(request);
                return result.Images.Select(i => $"{i.Candidate}:{Convert.ToBase64String(i.Png)}").ToArray();
            }
            finally { await cluster.DisposeAsync(); }
        }
        Assert.Equal(await Run(new GenerationCluster(), 1), await Run(new ShardedGenerationCluster(), 2));
    }
}
