using DalleOrleans.Abstractions;
using DalleOrleans.Grains.Cache;
using DalleOrleans.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace DalleOrleans.Grains.Tests;

/// <summary>The Redis cache with a real redis-server: survives cluster restarts, and Redis outages never fail a generation.</summary>
public class RedisCacheTests
{
    sealed class RedisCluster(string redis) : GenerationCluster
    {
        protected override string? Redis => redis;
    }

    static GenerationRequest Request(long seed) => new() { Prompt = "an orange square in the center", Candidates = 4, Top = 2, Seed = seed };

    [Fact]
    public async Task AResultIsACacheHitAfterTheClusterRestarts()
    {
        await using var redis = await RedisServer.StartAsync();
        GenerationResult first;
        var one = new RedisCluster(redis.ConnectionString);
        await one.InitializeAsync();
        try
        {
            await one.WaitForDevices(1);
            first = await one.Client.GenerateAsync(Request(1));
            Assert.False(first.CacheHit);
        }
        finally { await one.DisposeAsync(); }

        var two = new RedisCluster(redis.ConnectionString);
        await two.InitializeAsync();
        try
        {
            await two.WaitForDevices(1);
            var again = await two.Client.GenerateAsync(Request(1));
            Assert.True(again.CacheHit);
            Assert.Equal(first.Images.Select(i => Convert.ToBase64String(i.Png)), again.Images.Select(i => Convert.ToBase64String(i.Png)));
        }
        finally { await two.DisposeAsync(); }
    }

    [Fact]
    public async Task GenerationSucceedsWhileRedisIsDownAndCachingResumesWhenItReturns()
    {
        await using var redis = await RedisServer.StartAsync();
        var cluster = new RedisCluster(redis.ConnectionString);
        await cluster.InitializeAsync();
        try
        {
            await cluster.WaitForDevices(1);
            Assert.False((await cluster.Client.GenerateAsync(Request(10))).CacheHit);

            await redis.StopProcessAsync();
            var down = await cluster.Client.GenerateAsync(Request(11));            // uncached, but it works
            Assert.Equal(2, down.Images.Count);
            Assert.False(down.CacheHit);

            await redis.StartProcessAsync();
            // StackExchange.Redis reconnects in the background; a fresh request is stored once it has.
            var deadline = DateTime.UtcNow.AddSeconds(30);
            long seed = 12;
            while (true)
            {
                var request = Request(seed++);
                await cluster.Client.GenerateAsync(request);
                // A new activation of the same fingerprint would only hit through Redis: ask the cache directly.
                var cache = new RedisGenerationCache(new CacheSettings { Redis = redis.ConnectionString }, NullLogger<RedisGenerationCache>.Instance);
                var fingerprint = await cluster.Client.FingerprintAsync(request);
                if (await cache.TryGetAsync(fingerprint) is not null) break;
                if (DateTime.UtcNow > deadline) Assert.Fail("caching did not resume within 30 s of Redis returning");
                await Task.Delay(500);
            }
        }
        finally { await cluster.DisposeAsync(); }
    }
}
