using System.Text.Json;
using DalleOrleans.Abstractions;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace DalleOrleans.Grains.Cache;

/// <summary>
/// Results in Redis under "{prefix}{fingerprint}" with a TTL. When Redis is unreachable the cache reports a
/// miss (or skips the write), logs a warning and counts the error; StackExchange.Redis reconnects by itself
/// (abortConnect=false), so caching resumes when Redis returns.
/// </summary>
public sealed class RedisGenerationCache : IGenerationCache, IAsyncDisposable
{
    readonly CacheSettings _settings;
    readonly ILogger _log;
    readonly Lazy<Task<ConnectionMultiplexer>> _connection;
    long _errors;

    public RedisGenerationCache(CacheSettings settings, ILogger<RedisGenerationCache> log)
    {
        _settings = settings;
        _log = log;
        var options = ConfigurationOptions.Parse(settings.Redis);
        options.AbortOnConnectFail = false;                 // start even while Redis is down; reconnect later
        if (options.ConnectTimeout > 2000) options.ConnectTimeout = 2000;
        if (options.SyncTimeout > 2000) options.SyncTimeout = 2000;
        if (options.AsyncTimeout > 2000) options.AsyncTimeout = 2000;
        _connection = new Lazy<Task<ConnectionMultiplexer>>(() => ConnectionMultiplexer.ConnectAsync(options));
    }

    public string Kind => "redis";
    /// <summary>Redis operations that failed (the generation went on uncached).</summary>
    public long Errors => Interlocked.Read(ref _errors);

    static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The stored form: PNGs and metadata, as JSON (PNG bytes as base64).</summary>
    sealed record Stored(string Prompt, string ModelId, string Fingerprint, StoredImage[] Images, StageTimes Timings, string[] Devices);
    sealed record StoredImage(int Rank, int Candidate, float Score, byte[] Png);

    public async Task<GenerationResult?> TryGetAsync(string fingerprint, CancellationToken cancellation = default)
    {
        try
        {
            var db = (await _connection.Value).GetDatabase();
            var value = await db.StringGetAsync(_settings.KeyPrefix + fingerprint);
            if (value.IsNullOrEmpty) return null;
            var stored = JsonSerializer.Deserialize<Stored>((byte[])value!, Json);
            if (stored is null || stored.Fingerprint != fingerprint) return null;
            return new GenerationResult
            {
                Prompt = stored.Prompt, ModelId = stored.ModelId, Fingerprint = stored.Fingerprint, Timings = stored.Timings,
                Devices = stored.Devices,
                Images = stored.Images.Select(i => new GeneratedImage(i.Rank, i.Candidate, i.Score, i.Png)).ToArray(),
            };
        }
        catch (Exception e) when (e is RedisException or TimeoutException or JsonException or ObjectDisposedException)
        {
            Interlocked.Increment(ref _errors);
            DalleMetrics.CacheErrors.Add(1);
            _log.LogWarning("Redis cache read failed; generating uncached: {Error}", e.Message);
            return null;
        }
    }

    public async Task SetAsync(string fingerprint, GenerationResult result, CancellationToken cancellation = default)
    {
        try
        {
            var stored = new Stored(result.Prompt, result.ModelId, fingerprint,
                result.Images.Select(i => new StoredImage(i.Rank, i.Candidate, i.Score, i.Png)).ToArray(), result.Timings, result.Devices.ToArray());
            var db = (await _connection.Value).GetDatabase();
            await db.StringSetAsync(_settings.KeyPrefix + fingerprint, JsonSerializer.SerializeToUtf8Bytes(stored, Json), _settings.Ttl);
        }
        catch (Exception e) when (e is RedisException or TimeoutException or ObjectDisposedException)
        {
            Interlocked.Increment(ref _errors);
            DalleMetrics.CacheErrors.Add(1);
            _log.LogWarning("Redis cache write failed; result not cached: {Error}", e.Message);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_connection.IsValueCreated) await (await _connection.Value).DisposeAsync();
    }
}
