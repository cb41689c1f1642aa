using System.Diagnostics;
using DalleOrleans.Model;
using DalleOrleans.Model.Generation;
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
    /// <summary>
    /// The bare loop's tokens/s at <paramref name="streams"/> while another thread does a service's finishing work beside it:
    /// requests of <paramref name="candidates"/> random token grids decoded, reranked and the best encoded as PNG
    /// (<see cref="Model.Generation.Generator.Finish(ModelBundle, ImageRequest, int[][], double)"/>), paced at
    /// <paramref name="candidatesPerSecond"/>. Separates what the finishing work costs the steps from the service's own overheads.
    /// </summary>
    public static double TokensPerSecondBesideFinishing(ModelBundle model, int streams, TimeSpan duration, double candidatesPerSecond, int candidates)
    {
        if (candidatesPerSecond <= 0 || candidates < 1) return TokensPerSecond(model, streams, duration);
        using var stop = new CancellationTokenSource();
        var neighbour = new Thread(() =>
        {
            Model.TorchRuntime.Initialize();
            var random = new Random(7);
            int g = model.Config.Transformer.GridSize, vocab = model.Config.Transformer.ImageVocabSize;
            var request = new ImageRequest("a red circle on a blue background", candidates, 1, 1);
            var interval = TimeSpan.FromSeconds(candidates / candidatesPerSecond);
            var clock = Stopwatch.StartNew();
            for (long n = 0; !stop.IsCancellationRequested; n++)
            {
                var grids = Enumerable.Range(0, candidates).Select(_ => Enumerable.Range(0, g * g).Select(_ => random.Next(vocab)).ToArray()).ToArray();
                Model.Generation.Generator.Finish(model, request, grids, 0);
                var due = interval * (n + 1) - clock.Elapsed;            // paced: the service's rate, not as fast as possible
                if (due > TimeSpan.Zero) stop.Token.WaitHandle.WaitOne(due);
            }
        }) { IsBackground = true, Name = "ceiling finishing neighbour" };
        neighbour.Start();
        try { return TokensPerSecond(model, streams, duration); }
        finally { stop.Cancel(); neighbour.Join(); }
    }

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
