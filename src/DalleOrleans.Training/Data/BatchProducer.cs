using System.Collections.Concurrent;
using DalleOrleans.Model.Text;
using DalleOrleans.Shapes;

namespace DalleOrleans.Training.Data;

/// <summary>What a <see cref="BatchProducer"/> draws.</summary>
/// <param name="Tokenizer">Encodes captions into <see cref="TrainingBatch.Text"/>; null when the stage reads images only.</param>
/// <param name="CaptionDropout">Share of captions replaced by the empty caption (all PAD).</param>
/// <param name="HardNegatives">Also render each sample's hard negative (<see cref="HardNegative"/>) into <see cref="TrainingBatch.NegativeRgb"/>.</param>
public sealed record BatchSpec(int Seed, Split Split, int BatchSize, TextTokenizer? Tokenizer = null, double CaptionDropout = 0, int Capacity = 4, bool HardNegatives = false);

/// <summary>
/// Renders batches on a background thread into a small bounded queue, so the training thread only does
/// tensor work. Rendering a 64×64 scene takes tens of microseconds, far less than a training step, so one
/// thread keeps the queue full; the bound keeps memory flat when training is the slower side.
/// </summary>
public sealed class BatchProducer : IDisposable
{
    readonly BlockingCollection<TrainingBatch> _queue;
    readonly CancellationTokenSource _stop = new();
    readonly Thread _thread;
    readonly BatchSpec _spec;
    Exception? _failure;

    public BatchProducer(BatchSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(spec), spec.BatchSize, "batch size must be at least 1.");
        _spec = spec;
        _queue = new BlockingCollection<TrainingBatch>(Math.Max(1, spec.Capacity));
        _thread = new Thread(Produce) { IsBackground = true, Name = "batch-producer" };
        _thread.Start();
    }

    /// <summary>The next batch; waits while the producer renders. Rethrows a failure of the producer thread.</summary>
    public TrainingBatch Take()
    {
        try
        {
            return _queue.Take(_stop.Token);
        }
        catch (InvalidOperationException) when (_failure is not null)
        {
            throw new InvalidOperationException($"the batch producer failed: {_failure.Message}", _failure);
        }
    }

    void Produce()
    {
        try
        {
            using var renderer = new ShapeRenderer();
            var dropout = new Random(unchecked(_spec.Seed ^ 0x5bd1e995));
            using var samples = ShapesDataset.Stream(_spec.Seed, _spec.Split).GetEnumerator();
            while (!_stop.IsCancellationRequested)
                _queue.Add(Next(samples, renderer, dropout), _stop.Token);
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            _failure = e;
            _queue.CompleteAdding();
        }
    }

    TrainingBatch Next(IEnumerator<CaptionedSample> samples, ShapeRenderer renderer, Random dropout)
    {
        int b = _spec.BatchSize, side = SceneGeometry.ImageSize;
        int textLength = _spec.Tokenizer?.MaxLength ?? 0;
        var rgb = new byte[b * ShapeRenderer.ByteCount];
        var text = new long[b * textLength];
        var captions = new string[b];
        var negatives = _spec.HardNegatives ? new byte[b * ShapeRenderer.ByteCount] : null;
        for (int i = 0; i < b; i++)
        {
            samples.MoveNext();
            var sample = samples.Current;
            renderer.RenderInto(sample.Scene, rgb.AsSpan(i * ShapeRenderer.ByteCount, ShapeRenderer.ByteCount));
            if (negatives is not null)
                renderer.RenderInto(HardNegative.Swap(sample, dropout, _spec.Split), negatives.AsSpan(i * ShapeRenderer.ByteCount, ShapeRenderer.ByteCount));
            // The empty caption stays all PAD (zeros): the unconditional input classifier-free guidance uses.
            bool drop = _spec.CaptionDropout > 0 && dropout.NextDouble() < _spec.CaptionDropout;
            captions[i] = drop ? "" : sample.Caption;
            if (_spec.Tokenizer is not null && !drop)
                _spec.Tokenizer.EncodePadded(sample.Caption).CopyTo(text, i * textLength);
        }
        return new TrainingBatch(b, side, rgb, textLength, text, captions, negatives);
    }

    public void Dispose()
    {
        _stop.Cancel();
        _thread.Join();
        _queue.Dispose();
        _stop.Dispose();
    }
}
