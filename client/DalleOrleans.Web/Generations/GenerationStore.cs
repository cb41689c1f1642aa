using DalleOrleans.Abstractions;

namespace DalleOrleans.Web.Generations;

/// <summary>Thrown when too many generations are running from this front end; the API answers 429 with Retry-After.</summary>
public sealed class TooManyGenerationsException(int limit)
    : Exception($"{limit} generations are already running on this front end; retry in a moment.");

/// <summary>
/// The front end's memory of generations by id (the request fingerprint): every running one, and the most recent
/// <c>maxFinished</c> finished ones. Older results fall out; the cluster's cache still has them, and posting the
/// same request again fetches them from there.
/// </summary>
public sealed class GenerationStore(int maxFinished, int maxRunning)
{
    readonly object _gate = new();
    readonly Dictionary<string, GenerationJob> _jobs = new(StringComparer.Ordinal);
    /// <summary>Ids in the order they were added, oldest first, for eviction.</summary>
    readonly LinkedList<string> _order = new();

    public GenerationJob? Find(string id)
    {
        lock (_gate) return _jobs.GetValueOrDefault(id);
    }

    /// <summary>
    /// The job for this id: the existing one when it is running or done (identical requests share a generation),
    /// else a new one, which the caller must start (<paramref name="created"/> is true then).
    /// </summary>
    public GenerationJob GetOrAdd(string id, GenerationRequest request, out bool created)
    {
        lock (_gate)
        {
            if (_jobs.TryGetValue(id, out var existing) && existing.Snapshot().Status != JobStatus.Failed)
            {
                created = false;
                return existing;
            }
            if (existing is not null) Remove(id);    // a failed one is retried: drop it and start afresh
            int running = _jobs.Values.Count(j => !j.IsFinished);
            if (running >= maxRunning) throw new TooManyGenerationsException(maxRunning);
            var job = new GenerationJob(id, request);
            _jobs[id] = job;
            _order.AddLast(id);
            EvictFinished();
            created = true;
            return job;
        }
    }

    /// <summary>Drops the oldest finished jobs beyond the bound (called after a job finishes, too).</summary>
    public void Trim()
    {
        lock (_gate) EvictFinished();
    }

    public int Count
    {
        get { lock (_gate) return _jobs.Count; }
    }

    /// <summary>Generations still running (the ones <c>maxRunning</c> bounds).</summary>
    public int RunningCount
    {
        get { lock (_gate) return _jobs.Values.Count(j => !j.IsFinished); }
    }

    void EvictFinished()
    {
        int finished = _jobs.Values.Count(j => j.IsFinished);
        for (var node = _order.First; node is not null && finished > maxFinished;)
        {
            var next = node.Next;
            if (_jobs[node.Value].IsFinished)
            {
                _jobs.Remove(node.Value);
                _order.Remove(node);
                finished--;
            }
            node = next;
        }
    }

    void Remove(string id)
    {
        _jobs.Remove(id);
        _order.Remove(id);
    }
}
