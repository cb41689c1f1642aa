using System.Net;
using System.Text.Json;
using DalleOrleans.Testing;
using DalleOrleans.Grains.Cache;

namespace DalleOrleans.Deploy.Tests;

/// <summary>/readyz follows a required Redis cache: ready while it answers, 503 naming "cache" once it is stopped, ready again when it returns.</summary>
public sealed class RedisReadinessTests
{
    [Fact]
    public async Task ReadyzTurnsUnreadyWhenTheRequiredRedisStopsAndRecovers()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var silo = await SiloHost.StartAsync($"--Cache:Redis={redis.ConnectionString}");
        string ready = await silo.WaitUntilReadyAsync();
        Assert.Contains("answered PING", ready);
        Assert.DoesNotContain("password", ready, StringComparison.OrdinalIgnoreCase);

        await redis.StopProcessAsync();
        using (var response = await silo.Http.GetAsync("/readyz"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            Assert.Equal("not ready", body.RootElement.GetProperty("status").GetString());
            Assert.Equal(new[] { "cache" }, body.RootElement.GetProperty("notReady").EnumerateArray().Select(e => e.GetString()));
            Assert.Contains("unreachable", body.RootElement.GetProperty("checks").GetProperty("cache").GetProperty("detail").GetString());
            Assert.Equal("ready", body.RootElement.GetProperty("checks").GetProperty("model").GetProperty("status").GetString());
        }
        using (var live = await silo.Http.GetAsync("/healthz"))
            Assert.Equal(HttpStatusCode.OK, live.StatusCode);              // alive all along: nothing to restart

        await redis.StartProcessAsync();
        await silo.WaitUntilReadyAsync(TimeSpan.FromSeconds(30));
    }
}
