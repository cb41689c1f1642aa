using System.Collections.Concurrent;
using System.Text.Json;
using DalleOrleans.Abstractions;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.CircuitBreaker;
using Polly.Timeout;
using StackExchange.Redis;

namespace DalleOrleans.Grains.Cache;

/// <summary>
/// Results in Redis under "{prefix}{fingerprint}" with a TTL. A cache must never slow a generation down much nor fail
/// it, so every operation is bounded by <see cref="CacheSettings.OperationTimeout"/> (a hung Redis answers nothing:
/// without a bound each call would wait out StackExchange.Redis' own timeout), nothing queues while Redis is
/// disconnected (<see cref="BacklogPolicy.FailFast"/>), and after repeated failures a circuit breaker stops asking for
/// <see cref="CacheSettings.BreakDuration"/>; then one operation probes. A failure is a miss (or an unstored
/// result), logged and counted. StackExchange.Redis reconnects by itself (abortConnect=false), so caching resumes
/// within about a break duration of Redis returning.
/// </summary>
/// <remarks>
/// Reads are on the response path, writes are not. So after any failed operation reads stop (each answers "miss" at
/// once) until Redis has answered again: a background ping started by a skipped read, or a write. Otherwise every
/// request would pay the time bound until the breaker's failure ratio opened it, and again after every break for as
/// long as Redis stays hung (measured with a fast model on a quiet machine: the first four of five requests paid
/// 0.5 s, a median 5.3× the normal latency, where the target is 1.2×). The breaker still limits what writes and pings
/// ask of a Redis that keeps failing.
/// </remarks>
public sealed class RedisGenerationCache : IGenerationCache, IAsyncDisposable
{
    readonly CacheSettings _settings;
    readonly ILogger _log;
    readonly Task<ConnectionMultiplexer> _connection;
    readonly ResiliencePipeline _guard;
    readonly ConcurrentDictionary<Task, byte> _writes = new();
    long _errors, _skipped, _readsSent;
    int _probing;
    volatile bool _readsPaused;                // an operation failed and Redis has not answered since

    public RedisGenerationCache(CacheSettings settings, ILogger<RedisGenerationCache> log)
    {
        settings.Validate();
        _settings = settings;
        _log = log;
        var options = Options(settings);
        // Connecting starts now; until it has, operations fail fast (a miss) rather than wait for it.
        _connection = ConnectionMultiplexer.ConnectAsync(options);
        _guard = new ResiliencePipelineBuilder()
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                // Half of the operations of the last two seconds failed, at least two of them: stop asking for a while.
                FailureRatio = 0.5, MinimumThroughput = 2, SamplingDuration = TimeSpan.FromSeconds(2),
                BreakDuration = settings.BreakDuration,
                ShouldHandle = new PredicateBuilder().Handle<RedisException>().Handle<TimeoutRejectedException>()
                    .Handle<TimeoutException>().Handle<ObjectDisposedException>(),
                OnOpened = _ => { _log.LogWarning("Redis cache unreachable: not asking it for {Break}", settings.BreakDuration); return default; },
                OnClosed = _ => { _log.LogInformation("Redis cache answers again: caching resumed"); return default; },
            })
            .AddTimeout(settings.OperationTimeout)
            .Build();
    }

    /// <summary>
    /// The connection options: the connection string's (password=, user=, ssl=, sslHost= pass through) with fail-fast
    /// behaviour layered on. Public so the readiness check connects the same way.
    /// </summary>
    public static ConfigurationOptions Options(CacheSettings settings)
    {
        var options = ConfigurationOptions.Parse(settings.Redis);
        options.AbortOnConnectFail = false;                 // start even while Redis is down; reconnect later
        options.BacklogPolicy = BacklogPolicy.FailFast;     // while disconnected, fail at once instead of queueing
        options.ReconnectRetryPolicy = new LinearRetry(500);
        int bound = (int)Math.Max(settings.OperationTimeout.TotalMilliseconds, 250);
        options.ConnectTimeout = Math.Min(options.ConnectTimeout, 2000);
        options.SyncTimeout = Math.Min(options.SyncTimeout, bound);
        options.AsyncTimeout = Math.Min(options.AsyncTimeout, bound);
        if (settings.RedisCaFile.Length > 0) options.TrustIssuer(settings.RedisCaFile);
        return options;
    }

    /// <summary>Completes when the first connection attempt has (abortConnect=false: even when it failed).</summary>
    public Task WhenConnected => _connection;

    public string Kind => "redis";
    /// <summary>Redis operations that failed (the generation went on uncached).</summary>
    public long Errors => Interlocked.Read(ref _errors);
    /// <summary>Operations not sent because Redis had just failed (the breaker was open, or reads were paused).</summary>
    public long Skipped => Interlocked.Read(ref _skipped);
    /// <summary>Reads sent to Redis (not skipped by the breaker): what a request on the response path may have waited for.</summary>
    public long ReadsSent => Interlocked.Read(ref _readsSent);

    static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The stored form: PNGs and metadata, as JSON (PNG bytes as base64).</summary>
    sealed record Stored(string Prompt, string ModelId, string Fingerprint, StoredImage[] Images, StageTimes Timings, string[] Devices);
    sealed record StoredImage(int Rank, int Candidate, float Score, byte[] Png);

    public async Task<GenerationResult?> TryGetAsync(string fingerprint, CancellationToken cancellation = default)
    {
        // Set by every failure, which is also all that can open the breaker: reads never probe, open or half-open.
        if (_readsPaused)
        {
            // Redis failed recently: answer "miss" at once and let a background ping find out whether it is back.
            CountSkipped();
            ProbeInBackground();
            return null;
        }
        try
        {
            Interlocked.Increment(ref _readsSent);
            var value = await Guarded(db => db.StringGetAsync(_settings.KeyPrefix + fingerprint), cancellation);
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
        catch (Exception e) when (Failed(e, "read", "generating uncached"))
        {
            return null;
        }
    }

    /// <summary>Completes when the result is stored or the write failed; callers need not wait (the grain does not).</summary>
    public Task SetAsync(string fingerprint, GenerationResult result, CancellationToken cancellation = default)
    {
        var write = Write(fingerprint, result, cancellation);
        _writes.TryAdd(write, 0);
        _ = write.ContinueWith(t => _writes.TryRemove(t, out _), TaskScheduler.Default);
        return write;
    }

    async Task Write(string fingerprint, GenerationResult result, CancellationToken cancellation)
    {
        try
        {
            var stored = new Stored(result.Prompt, result.ModelId, fingerprint,
                result.Images.Select(i => new StoredImage(i.Rank, i.Candidate, i.Score, i.Png)).ToArray(), result.Timings, result.Devices.ToArray());
            byte[] bytes = JsonSerializer.SerializeToUtf8Bytes(stored, Json);
            await Guarded(db => db.StringSetAsync(_settings.KeyPrefix + fingerprint, bytes, _settings.Ttl), cancellation);
            _readsPaused = false;                                               // Redis answered: reads may ask again
        }
        catch (Exception e) when (Failed(e, "write", "result not cached"))
        {
        }
    }

    /// <summary>
    /// One PING through the breaker, off every request's path, at most one at a time: refused at once while the breaker
    /// is open, and the half-open probe that closes it again once the break is over and Redis answers.
    /// </summary>
    void ProbeInBackground()
    {
        if (Interlocked.CompareExchange(ref _probing, 1, 0) != 0) return;
        _ = Task.Run(async () =>
        {
            try
            {
                await Guarded(db => db.PingAsync(), CancellationToken.None);
                _readsPaused = false;
            }
            catch (BrokenCircuitException) { }                                  // still open: the next skipped read asks again
            catch (Exception e) when (Failed(e, "probe", "reads stay skipped")) { }
            finally { Volatile.Write(ref _probing, 0); }
        });
    }

    /// <summary>One Redis operation behind the breaker and the time bound.</summary>
    async Task<T> Guarded<T>(Func<IDatabase, Task<T>> operation, CancellationToken cancellation) =>
        await _guard.ExecuteAsync(async token =>
        {
            var connection = await _connection.WaitAsync(token);
            return await operation(connection.GetDatabase()).WaitAsync(token);
        }, cancellation);

    void CountSkipped()
    {
        Interlocked.Increment(ref _skipped);
        DalleMetrics.CacheSkipped.Add(1);
    }

    /// <summary>Counts and logs a failure the cache swallows; false (rethrow) for a caller's cancellation.</summary>
    bool Failed(Exception e, string what, string consequence)
    {
        if (e is BrokenCircuitException)
        {
            CountSkipped();
            return true;
        }
        if (e is not (RedisException or TimeoutRejectedException or TimeoutException or JsonException or ObjectDisposedException)) return false;
        if (e is not JsonException) _readsPaused = true;                        // Redis itself failed, not one stored value
        Interlocked.Increment(ref _errors);
        DalleMetrics.CacheErrors.Add(1);
        _log.LogWarning("Redis cache {What} failed; {Consequence}: {Error}", what, consequence, e.Message);
        return true;
    }

    public async ValueTask DisposeAsync()
    {
        // Writes still in flight (off the response path) land before the connection closes, within a bound.
        try { await Task.WhenAll(_writes.Keys).WaitAsync(TimeSpan.FromSeconds(5)); }
        catch (TimeoutException) { _log.LogWarning("{Count} cache writes were still pending at shutdown", _writes.Count); }
        try { await (await _connection).DisposeAsync(); }
        catch (RedisException) { }
    }
}
