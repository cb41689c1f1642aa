using System.Collections.Concurrent;
using DalleOrleans.Model.Sampling;

namespace DalleOrleans.Grains.Devices;

/// <summary>
/// Moves waiting candidate streams into a batcher's free rows, in arrival order, at the start of a decode step: the one
/// admission rule shared by a device's own token loop (<see cref="DeviceExecutor"/>) and a sharded pipeline's lanes.
/// A stream cancelled while it waited is dropped and finished here instead of taking a row.
/// </summary>
public static class StreamAdmission
{
    /// <param name="queued">The caller's count of waiting streams, kept equal to the queue's length.</param>
    public static void Admit(ConcurrentQueue<CandidateStream> waiting, ref int queued, ContinuousBatcher batcher)
    {
        while (waiting.TryPeek(out var next))
        {
            if (next.IsCancelled)
            {
                waiting.TryDequeue(out _);
                Interlocked.Decrement(ref queued);
                next.OnFinished?.Invoke(next);
                continue;
            }
            if (!batcher.TryAdd(next)) break;
            waiting.TryDequeue(out _);
            Interlocked.Decrement(ref queued);
        }
    }
}
