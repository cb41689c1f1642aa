using DalleOrleans.Abstractions;
using DalleOrleans.Testing;
using StackExchange.Redis;
using DalleOrleans.Grains.Cache;

namespace DalleOrleans.Grains.Tests;

public class ClusterSmokeTests(InProcessCluster cluster) : IClassFixture<InProcessCluster>
{
    [Fact]
    public async Task TrivialGrainAnswersThroughTheCluster()
    {
        var reply = await cluster.Grains.GetGrain<IPingGrain>("smoke").Ping("hello");
        Assert.Equal("hello", reply.Message);
        Assert.False(string.IsNullOrEmpty(reply.Silo));
    }
}

public class RedisFixtureTests
{
    [Fact]
    public async Task RealRedisStartsStopsAndRestartsOnItsPort()
    {
        await using var redis = await RedisServer.StartAsync();
        await using (var mux = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString))
        {
            var db = mux.GetDatabase();
            await db.StringSetAsync("k", "v");
            Assert.Equal("v", (string?)await db.StringGetAsync("k"));
        }

        await redis.StopProcessAsync();
        Assert.False(redis.IsRunning);
        await redis.StartProcessAsync();
        await using var again = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        Assert.True((await again.GetDatabase().PingAsync()) < TimeSpan.FromSeconds(5));
    }
}
