using System.Net;
using System.Text.Json;
using DalleOrleans.Testing;
using DalleOrleans.Grains.Cache;

namespace DalleOrleans.Deploy.Tests;

/// <summary>
/// /readyz follows the Redis cache: "ready" while it answers, "degraded" once it is stopped — still 200, because
/// generations go on uncached and a shared cache that fails must not take every silo out of service — and "ready" again
/// when it returns.
/// </summary>
public sealed class RedisReadinessTests
{
    [Fact]
    public async Task ReadyzReportsTheCacheDegradedWhileRedisIsDownAndReadyWhenItReturns()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var silo = await SiloHost.StartAsync($"--Cache:Redis={redis.ConnectionString}");
        string ready = await silo.WaitUntilReadyAsync();
        Assert.Contains("answered PING", ready);
        Assert.DoesNotContain("password", ready, StringComparison.OrdinalIgnoreCase);

        await redis.StopProcessAsync();
        using (var response = await silo.Http.GetAsync("/readyz"))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            Assert.Equal("ready", body.RootElement.GetProperty("status").GetString());
            Assert.Empty(body.RootElement.GetProperty("notReady").EnumerateArray());
            var cache = body.RootElement.GetProperty("checks").GetProperty("cache");
            Assert.Equal("degraded", cache.GetProperty("status").GetString());
            Assert.Contains("unreachable", cache.GetProperty("detail").GetString());
            Assert.Equal("ready", body.RootElement.GetProperty("checks").GetProperty("model").GetProperty("status").GetString());
        }
        using (var live = await silo.Http.GetAsync("/healthz"))
            Assert.Equal(HttpStatusCode.OK, live.StatusCode);              // alive all along: nothing to restart

        await redis.StartProcessAsync();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!(await silo.WaitUntilReadyAsync()).Contains("answered PING"))
        {
            Assert.True(DateTime.UtcNow < deadline, "the cache check did not see Redis again within 30 s");
            await Task.Delay(100);
        }
    }
}
