using DalleOrleans.Abstractions;

namespace DalleOrleans.Grains.Cache;

/// <summary>Cache:Enabled=false: every lookup misses and nothing is stored, so every request is generated.</summary>
public sealed class NoGenerationCache : IGenerationCache
{
    public string Kind => "off";
    public Task<GenerationResult?> TryGetAsync(string fingerprint, CancellationToken cancellation = default) => Task.FromResult<GenerationResult?>(null);
    public Task SetAsync(string fingerprint, GenerationResult result, CancellationToken cancellation = default) => Task.CompletedTask;
}
