using DalleOrleans.Abstractions;

namespace DalleOrleans.Grains.Cache;

/// <summary>
/// Finished results by fingerprint (which already includes the model id). A cache that fails must never
/// fail a generation: implementations swallow their own outages, log them and count them.
/// </summary>
public interface IGenerationCache
{
    Task<GenerationResult?> TryGetAsync(string fingerprint, CancellationToken cancellation = default);
    Task SetAsync(string fingerprint, GenerationResult result, CancellationToken cancellation = default);
    /// <summary>"memory", "redis" or "off", for logs and result metadata.</summary>
    string Kind { get; }
}

/// <summary>Configuration section "Cache".</summary>
public sealed record CacheSettings
{
    public const string Section = "Cache";
    /// <summary>StackExchange.Redis connection string (password= and ssl=true pass through); empty = in-memory cache.</summary>
    public string Redis { get; init; } = "";
    /// <summary>How long a result stays cached.</summary>
    public TimeSpan Ttl { get; init; } = TimeSpan.FromHours(24);
    /// <summary>Entries the in-memory cache keeps before evicting the least recently used.</summary>
    public int MemoryEntries { get; init; } = 1000;
    public string KeyPrefix { get; init; } = "dalle:result:";
    /// <summary>False turns caching off: every request is generated (tests that must not see a cache hit, benchmarks).</summary>
    public bool Enabled { get; init; } = true;
    /// <summary>
    /// The longest a Redis cache read or write may take before it counts as failed (a miss, or an unstored result). A hung
    /// Redis costs a lookup at most this, and after two failures none at all while the breaker is open.
    /// </summary>
    public TimeSpan OperationTimeout { get; init; } = TimeSpan.FromMilliseconds(500);
    /// <summary>How long the breaker stops asking Redis after failures; then one operation probes whether it is back.</summary>
    public TimeSpan BreakDuration { get; init; } = TimeSpan.FromSeconds(1);
    /// <summary>
    /// A PEM file with the certificate authority that signed a TLS Redis' certificate (ssl=true in Cache:Redis), for a
    /// private CA the machine does not trust; empty = the system's trust store.
    /// </summary>
    public string RedisCaFile { get; init; } = "";

    public void Validate()
    {
        if (Ttl <= TimeSpan.Zero || Ttl > TimeSpan.FromDays(365))
            throw new ArgumentException($"Cache:Ttl is {Ttl}; it must be between 1 second and 365 days.");
        if (MemoryEntries is < 1 or > 1_000_000)
            throw new ArgumentException($"Cache:MemoryEntries is {MemoryEntries}; it must be between 1 and 1000000.");
        if (string.IsNullOrWhiteSpace(KeyPrefix)) throw new ArgumentException("Cache:KeyPrefix must not be empty.");
        if (OperationTimeout < TimeSpan.FromMilliseconds(10) || OperationTimeout > TimeSpan.FromSeconds(30))
            throw new ArgumentException($"Cache:OperationTimeout is {OperationTimeout}; it must be between 10 ms and 30 s.");
        if (BreakDuration < TimeSpan.FromMilliseconds(500) || BreakDuration > TimeSpan.FromMinutes(5))
            throw new ArgumentException($"Cache:BreakDuration is {BreakDuration}; it must be between 500 ms and 5 minutes (Polly's lower limit is 500 ms).");
        if (RedisCaFile.Length > 0 && !File.Exists(RedisCaFile))
            throw new ArgumentException($"Cache:RedisCaFile '{RedisCaFile}' does not exist; point it at a PEM certificate or leave it empty.");
    }
}
