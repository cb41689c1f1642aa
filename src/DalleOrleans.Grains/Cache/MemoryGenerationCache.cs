using DalleOrleans.Abstractions;

namespace DalleOrleans.Grains.Cache;

/// <summary>The default cache when no Redis is configured: bounded (LRU) and per process, honouring the TTL.</summary>
public sealed class MemoryGenerationCache(CacheSettings settings, TimeProvider? clock = null) : IGenerationCache
{
    readonly TimeProvider _clock = clock ?? TimeProvider.System;
    readonly object _gate = new();
    readonly Dictionary<string, LinkedListNode<Entry>> _map = new();
    readonly LinkedList<Entry> _recency = new();

    sealed record Entry(string Key, GenerationResult Result, DateTimeOffset Expires);

    public string Kind => "memory";
    public int Count { get { lock (_gate) return _map.Count; } }

    public Task<GenerationResult?> TryGetAsync(string fingerprint, CancellationToken cancellation = default)
    {
        lock (_gate)
        {
            if (!_map.TryGetValue(fingerprint, out var node)) return Task.FromResult<GenerationResult?>(null);
            if (node.Value.Expires <= _clock.GetUtcNow())
            {
                _recency.Remove(node);
                _map.Remove(fingerprint);
                return Task.FromResult<GenerationResult?>(null);
            }
            _recency.Remove(node);
            _recency.AddFirst(node);
            return Task.FromResult<GenerationResult?>(node.Value.Result);
        }
    }

    public Task SetAsync(string fingerprint, GenerationResult result, CancellationToken cancellation = default)
    {
        lock (_gate)
        {
            if (_map.Remove(fingerprint, out var old)) _recency.Remove(old);
            _map[fingerprint] = _recency.AddFirst(new Entry(fingerprint, result, _clock.GetUtcNow() + settings.Ttl));
            while (_map.Count > settings.MemoryEntries)
            {
                var last = _recency.Last!;
                _recency.RemoveLast();
                _map.Remove(last.Value.Key);
            }
        }
        return Task.CompletedTask;
    }
}
