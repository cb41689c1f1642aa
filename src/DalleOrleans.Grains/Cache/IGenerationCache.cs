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
    /// <summary>"memory" or "redis", for logs and result metadata.</summary>
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

    public void Validate()
    {
        if (Ttl <= TimeSpan.Zero || Ttl > TimeSpan.FromDays(365))
            throw new ArgumentException($"Cache:Ttl is {Ttl}; it must be between 1 second and 365 days.");
        if (MemoryEntries is < 1 or > 1_000_000)
            throw new ArgumentException($"Cache:MemoryEntries is {MemoryEntries}; it must be between 1 and 1000000.");
        if (string.IsNullOrWhiteSpace(KeyPrefix)) throw new ArgumentException("Cache:KeyPrefix must not be empty.");
    }
}
