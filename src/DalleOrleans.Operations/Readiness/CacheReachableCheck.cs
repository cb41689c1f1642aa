using System.Diagnostics;
using DalleOrleans.Grains.Cache;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;

namespace DalleOrleans.Operations.Readiness;

/// <summary>
/// "cache": with Cache:Redis set, Redis answers PING; with it empty the in-memory cache is a known choice and ready.
/// An unreachable Redis is "degraded", not "not ready": the cache is optional (generations go on uncached), and a shared
/// cache that fails must not take every silo out of service at once. The check keeps its own connection (the cache's
/// is private to it), connected like the cache's (fail fast, no backlog); it reconnects by itself when Redis returns.
/// The detail names Redis' endpoints, never the connection string (it may hold a password).
/// </summary>
public sealed class CacheReachableCheck : IHealthCheck, IAsyncDisposable
{
    readonly CacheSettings _settings;
    readonly Lazy<Task<ConnectionMultiplexer>>? _connection;
    readonly string _endpoints = "";

    public CacheReachableCheck(CacheSettings settings)
    {
        _settings = settings;
        if (string.IsNullOrWhiteSpace(settings.Redis) || !settings.Enabled) return;
        var options = RedisGenerationCache.Options(settings);         // connect in the background; PING says whether it worked
        _endpoints = string.Join(", ", options.EndPoints.Select(e => e.ToString()));
        _connection = new Lazy<Task<ConnectionMultiplexer>>(() => ConnectionMultiplexer.ConnectAsync(options));
    }

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!_settings.Enabled) return HealthCheckResult.Healthy("caching is off (Cache:Enabled is false).");
        if (_connection is null)
            return HealthCheckResult.Healthy($"in-memory cache (Cache:Redis is empty), up to {_settings.MemoryEntries} results.");
        try
        {
            var clock = Stopwatch.StartNew();
            await (await _connection.Value).GetDatabase().PingAsync().WaitAsync(TimeSpan.FromSeconds(2), cancellationToken);
            return HealthCheckResult.Healthy($"redis {_endpoints} answered PING in {clock.Elapsed.TotalMilliseconds:F0} ms.");
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            return HealthCheckResult.Degraded($"Cache:Redis is set but redis {_endpoints} is unreachable (generations go on uncached): {e.Message}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_connection is { IsValueCreated: true }) await (await _connection.Value).DisposeAsync();
    }
}
