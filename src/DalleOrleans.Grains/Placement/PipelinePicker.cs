using DalleOrleans.Grains.Devices;

namespace DalleOrleans.Grains.Placement;

/// <summary>
/// Chooses the pipelines a request's candidates go to: the least in-flight work per batch row first. Why not the
/// directory's order: its load figures are a snapshot up to a refresh old, so every request in that window would pick
/// the same devices (herding). Here the load of a device on this silo is read live from its executor, plus what this
/// silo has sent it that it has not yet queued; a device elsewhere counts its last registered load plus what this silo
/// has in flight there. Ties go to the pipeline this silo has given the fewest candidates so far, then to an order
/// that differs per silo, so silos that see the same figures do not all pick the same pipeline.
/// </summary>
public sealed class PipelinePicker(DeviceHost host, ILocalSiloDetails silo)
{
    readonly object _gate = new();
    readonly Dictionary<string, Counts> _counts = new();

    sealed class Counts
    {
        public int InFlight;       // candidates sent there from this silo and not finished
        public int InTransit;      // of those, not yet queued by the device (its live count does not show them yet)
        public long Assigned;      // candidates ever sent there from this silo
    }

    /// <summary>A share of a request's candidates on one pipeline; dispose it when the share is done (or lost).</summary>
    public sealed class Share(PipelinePicker picker, PipelineInfo pipeline, int[] indices) : IDisposable
    {
        int _accepted, _done;
        public PipelineInfo Pipeline => pipeline;
        public int[] Indices => indices;

        /// <summary>The device has queued the share: its live count shows it from now on.</summary>
        public void Accepted()
        {
            if (Interlocked.Exchange(ref _accepted, 1) == 0) picker.Update(pipeline.Key, c => c.InTransit -= indices.Length);
        }

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) != 0) return;
            bool wasAccepted = Interlocked.Exchange(ref _accepted, 1) == 1;
            picker.Update(pipeline.Key, c => { c.InFlight -= indices.Length; if (!wasAccepted) c.InTransit -= indices.Length; });
        }
    }

    /// <summary>
    /// Splits <paramref name="pending"/> candidates into min(pipelines, candidates) shares, each on a different
    /// pipeline, least loaded first; the shares count as in flight from this moment.
    /// </summary>
    public IReadOnlyList<Share> Assign(IReadOnlyList<PipelineInfo> pipelines, IReadOnlyList<int> pending)
    {
        if (pipelines.Count == 0 || pending.Count == 0) return Array.Empty<Share>();
        int shares = Math.Min(pipelines.Count, pending.Count);
        lock (_gate)
        {
            var chosen = pipelines
                .Select(p => (Pipeline: p, Counts: CountsOf(p.Key)))
                .OrderBy(p => Load(p.Pipeline, p.Counts) / Math.Max(1, p.Pipeline.MaxBatchRows))
                .ThenBy(p => p.Counts.Assigned)
                .ThenBy(p => TieBreak(p.Pipeline.Key))
                .Take(shares).ToList();
            var result = new List<Share>(shares);
            for (int s = 0; s < shares; s++)
            {
                var indices = pending.Where((_, i) => i % shares == s).ToArray();
                var counts = chosen[s].Counts;
                counts.InFlight += indices.Length;
                counts.InTransit += indices.Length;
                counts.Assigned += indices.Length;
                result.Add(new Share(this, chosen[s].Pipeline, indices));
            }
            return result;
        }
    }

    /// <summary>Streams queued or running on the pipeline, as fresh as this silo can know.</summary>
    double Load(PipelineInfo pipeline, Counts counts)
    {
        if (pipeline.Route.Count == 0 && host.TryGetLocal(silo.SiloAddress, pipeline.Head.Key, out var executor))
            return executor.ActiveStreams + executor.QueuedStreams + counts.InTransit;
        return pipeline.Head.ActiveStreams + pipeline.Head.QueuedStreams + counts.InFlight;
    }

    Counts CountsOf(string key)
    {
        if (!_counts.TryGetValue(key, out var counts)) _counts[key] = counts = new Counts();
        return counts;
    }

    void Update(string key, Action<Counts> change)
    {
        lock (_gate) change(CountsOf(key));
    }

    int TieBreak(string key) => HashCode.Combine(silo.SiloAddress.ToParsableString().GetHashCode(StringComparison.Ordinal), key.GetHashCode(StringComparison.Ordinal));
}
