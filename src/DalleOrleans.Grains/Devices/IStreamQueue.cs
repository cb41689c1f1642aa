using DalleOrleans.Model.Sampling;

namespace DalleOrleans.Grains.Devices;

/// <summary>Where a device grain queues candidate streams: its own executor, or a pipeline of shards it heads.</summary>
public interface IStreamQueue
{
    /// <summary>A name for messages: the device, or the pipeline's shards.</summary>
    string Device { get; }
    bool Draining { get; }
    int QueuedStreams { get; }
    /// <summary>Queues streams for the batch; false (nothing queued) when the admission queue is full or draining.</summary>
    bool TryEnqueue(IReadOnlyList<CandidateStream> streams);
}
