using System.Diagnostics;
using DalleOrleans.Model;
using DalleOrleans.Model.Sampling;
using static TorchSharp.torch;

namespace DalleOrleans.Client.Bench;

/// <summary>
/// What batching can give at most, for this model on this machine now: image tokens per second of the bare batching
/// loop (prefill and decode steps, no service around it) kept at a given number of streams. The ratio at two stream
/// counts is the model-level ceiling for a service that batches those counts.
/// </summary>
public static class ModelCeiling
{
    /// <summary>Image tokens/s with <paramref name="streams"/> streams always running (a finished one is replaced at once).</summary>
    public static double TokensPerSecond(ModelBundle model, int streams, TimeSpan duration)
    {
        if (streams < 1) throw new ArgumentOutOfRangeException(nameof(streams), streams, "streams must be at least 1.");
        using var batcher = new ContinuousBatcher(model.Transformer, streams, model.Device);
        long[] text = model.Tokenizer.EncodePadded("a red circle on a blue background");
        ulong key = 1;
        long tokens = 0;
        for (int warm = 0; warm < 3; warm++) { Refill(); batcher.Step(); }
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < duration)
        {
            Refill();
            tokens += batcher.Step();
        }
        return tokens / clock.Elapsed.TotalSeconds;

        void Refill()
        {
            while (batcher.FreeRows > 0)
                batcher.TryAdd(new CandidateStream(text, new SamplingOptions(), key++, model.Config.Transformer.ImageTokens));
        }
    }
}
