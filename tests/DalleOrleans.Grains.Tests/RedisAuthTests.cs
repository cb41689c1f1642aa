using System.Diagnostics;
using DalleOrleans.Abstractions;
using DalleOrleans.Grains.Cache;
using DalleOrleans.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace DalleOrleans.Grains.Tests;

/// <summary>
/// Redis security options reach StackExchange.Redis unchanged: the cache and clustering connection strings go through
/// ConfigurationOptions.Parse, so password=, user=, ssl=, sslHost= work as StackExchange.Redis documents them.
/// </summary>
public class RedisAuthTests
{
    [Fact]
    public void PasswordAndTlsOptionsSurviveParsing()
    {
        var options = ConfigurationOptions.Parse("redis.internal:6380,user=dalle,password=s3cret,ssl=true,sslHost=redis.internal,abortConnect=false");
        Assert.Equal("dalle", options.User);
        Assert.Equal("s3cret", options.Password);
        Assert.True(options.Ssl);
        Assert.Equal("redis.internal", options.SslHost);
        // The settings records keep the string as given; the silo and cache parse it exactly like this.
        Assert.Equal("redis.internal:6380,password=s3cret,ssl=true", new CacheSettings { Redis = "redis.internal:6380,password=s3cret,ssl=true" }.Redis);
    }

    [Fact]
    public async Task TheCacheAuthenticatesWithThePasswordAndAWrongOneOnlyCostsCaching()
    {
        int port = FreePort.Next();
        using var redis = StartRedisWithPassword(port, "correct-horse");
        try
        {
            await WaitForRedis($"127.0.0.1:{port},password=correct-horse");
            var result = new GenerationResult { Prompt = "p", Fingerprint = new string('a', 64), ModelId = "m" };

            await using var good = new RedisGenerationCache(new CacheSettings { Redis = $"127.0.0.1:{port},password=correct-horse" }, NullLogger<RedisGenerationCache>.Instance);
            await good.SetAsync(result.Fingerprint, result);
            Assert.NotNull(await good.TryGetAsync(result.Fingerprint));
            Assert.Equal(0, good.Errors);

            await using var bad = new RedisGenerationCache(new CacheSettings { Redis = $"127.0.0.1:{port},password=wrong,connectTimeout=500" }, NullLogger<RedisGenerationCache>.Instance);
            Assert.Null(await bad.TryGetAsync(result.Fingerprint));     // a miss, never an exception
            Assert.True(bad.Errors > 0);
        }
        finally
        {
            redis.Kill(entireProcessTree: true);
            await redis.WaitForExitAsync();
        }
    }

    static Process StartRedisWithPassword(int port, string password)
    {
        var psi = new ProcessStartInfo(RedisServer.FindExecutable()) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "--port", port.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--requirepass", password })
            psi.ArgumentList.Add(a);
        var process = Process.Start(psi)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    static async Task WaitForRedis(string connection)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            try
            {
                await using var mux = await ConnectionMultiplexer.ConnectAsync(connection + ",abortConnect=true,connectTimeout=500");
                await mux.GetDatabase().PingAsync();
                return;
            }
            catch (RedisConnectionException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }
        }
    }
}
