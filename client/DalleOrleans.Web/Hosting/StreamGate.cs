namespace DalleOrleans.Web.Hosting;

/// <summary>
/// Caps open event streams, per client IP address and in total: each one holds a connection (and a waiter on its job)
/// for as long as the generation runs, so without a cap one client could hold the server's connections.
/// </summary>
public sealed class StreamGate(int perClient, int total)
{
    readonly object _gate = new();
    readonly Dictionary<string, int> _open = new(StringComparer.Ordinal);
    int _total;

    public int Open
    {
        get { lock (_gate) return _total; }
    }

    /// <summary>A lease to dispose when the stream ends; null with the reason when a cap is reached.</summary>
    public IDisposable? TryEnter(string client, out string? refusal)
    {
        lock (_gate)
        {
            int mine = _open.GetValueOrDefault(client);
            if (mine >= perClient)
            {
                refusal = $"at most {perClient} event streams may be open at once from one client; close one (or poll GET) and retry.";
                return null;
            }
            if (_total >= total)
            {
                refusal = $"this server has {total} event streams open, its limit; retry shortly (or poll GET).";
                return null;
            }
            _open[client] = mine + 1;
            _total++;
        }
        refusal = null;
        return new Lease(this, client);
    }

    void Leave(string client)
    {
        lock (_gate)
        {
            _total--;
            if (--_open[client] == 0) _open.Remove(client);
        }
    }

    sealed class Lease(StreamGate gate, string client) : IDisposable
    {
        int _done;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0) gate.Leave(client);
        }
    }
}
