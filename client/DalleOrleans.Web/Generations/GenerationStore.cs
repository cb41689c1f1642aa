using DalleOrleans.Abstractions;

namespace DalleOrleans.Web.Generations;

/// <summary>Thrown when too many generations are running from this front end; the API answers 429 with Retry-After.</summary>
public sealed class TooManyGenerationsException(int limit)
    : Exception($"{limit} generations are already running on this front end; retry in a moment.");

/// <summary>
/// The front end's memory of generations: jobs by request fingerprint (identical requests share one job), and the
/// tickets that requesters hold on them by their random ids. Every running job is kept, and the most recent
/// <c>maxFinished</c> finished ones for joining; tickets keep their own job's result until they fall out of their own
/// bound (the cluster's cache keeps results longer, and posting the same request again fetches them from there).
/// </summary>
public sealed class GenerationStore(int maxFinished, int maxRunning)
{
    readonly object _gate = new();
    readonly Dictionary<string, GenerationJob> _jobs = new(StringComparer.Ordinal);
    /// <summary>Fingerprints in the order their jobs were added, oldest first, for eviction.</summary>
    readonly LinkedList<string> _order = new();
    readonly Dictionary<string, GenerationTicket> _tickets = new(StringComparer.Ordinal);
    readonly LinkedList<string> _ticketOrder = new();

    /// <summary>Tickets kept at most: a few per kept job, so repeated identical POSTs cannot grow memory without bound.</summary>
    int MaxTickets => 4 * (maxFinished + maxRunning);

    public GenerationTicket? FindTicket(string id)
    {
        lock (_gate) return _tickets.GetValueOrDefault(id);
    }

    /// <summary>The job of a fingerprint (tests and operators; the API only hands out tickets).</summary>
    public GenerationJob? Find(string fingerprint)
    {
        lock (_gate) return _jobs.GetValueOrDefault(fingerprint);
    }

    /// <summary>
    /// A new ticket on the job for this fingerprint: the existing job when it is running or done (identical requests
    /// share a generation), else a new one, which the caller must start (<paramref name="created"/> is true then).
    /// A failed job, or one that every requester left, is replaced by a new one.
    /// </summary>
    public GenerationTicket Open(string fingerprint, GenerationRequest request, byte[]? owner, out bool created)
    {
        lock (_gate)
        {
            created = false;
            if (!_jobs.TryGetValue(fingerprint, out var job) || !Joins(job))
            {
                if (job is not null) RemoveJob(fingerprint);
                int running = _jobs.Values.Count(j => !j.IsFinished);
                if (running >= maxRunning) throw new TooManyGenerationsException(maxRunning);
                job = new GenerationJob(fingerprint, request);
                job.TryJoin();
                _jobs[fingerprint] = job;
                _order.AddLast(fingerprint);
                created = true;
            }
            var ticket = new GenerationTicket(job, owner);
            _tickets[ticket.Id] = ticket;
            _ticketOrder.AddLast(ticket.Id);
            EvictFinished();
            return ticket;
        }
    }

    /// <summary>A done job is shared as it is; a running one only if someone still wants it.</summary>
    static bool Joins(GenerationJob job) => job.Snapshot().Status switch
    {
        JobStatus.Done => true,
        JobStatus.Running => job.TryJoin(),
        _ => false,
    };

    /// <summary>Drops the oldest finished jobs beyond the bound, and their tickets (called after a job finishes, too).</summary>
    public void Trim()
    {
        lock (_gate) EvictFinished();
    }

    public int Count
    {
        get { lock (_gate) return _jobs.Count; }
    }

    public int TicketCount
    {
        get { lock (_gate) return _tickets.Count; }
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
        // Tickets outlive their jobs' eviction (a late GET still finds a finished result), up to their own bound: past
        // it the oldest tickets of finished jobs go. A running job's tickets stay (its requesters are still waiting).
        int excess = _tickets.Count - MaxTickets;
        for (var node = _ticketOrder.First; node is not null && excess > 0;)
        {
            var next = node.Next;
            if (_tickets[node.Value].Job.IsFinished)
            {
                _tickets.Remove(node.Value);
                _ticketOrder.Remove(node);
                excess--;
            }
            node = next;
        }
    }

    void RemoveJob(string fingerprint)
    {
        _jobs.Remove(fingerprint);
        _order.Remove(fingerprint);
    }
}
