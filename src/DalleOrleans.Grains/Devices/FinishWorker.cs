using System.Collections.Concurrent;
using DalleOrleans.Model;
using DalleOrleans.Model.Generation;
using Microsoft.Extensions.Logging;

namespace DalleOrleans.Grains.Devices;

/// <summary>
/// A device's second thread: dVAE decoding, reranking and partial previews, off the token loop. Requests that finish
/// their tokens while a batch is running wait here and go through the next batch together (up to
/// <see cref="MaxImagesPerBatch"/> images), so many requests cost one batched decode and one batched rerank instead of
/// one of each between token steps. It owns the dVAE and the reranker; the executor thread owns the transformer.
/// </summary>
public sealed class FinishWorker : IDisposable
{
    /// <summary>Images per batched call: enough to amortise the call, few enough that one batch does not hold back the next.</summary>
    public const int MaxImagesPerBatch = 64;

    readonly Task<ModelBundle> _model;
    readonly ILogger _log;
    readonly ConcurrentQueue<(Action<ModelBundle> Run, Action<Exception> Fail)> _previews = new();
    readonly ConcurrentQueue<(FinishJob Job, TaskCompletionSource<FinishedJob> Done)> _jobs = new();
    readonly AutoResetEvent _wake = new(false);
    readonly Thread _thread;
    volatile bool _stopping;
    long _batches;

    public FinishWorker(string device, Task<ModelBundle> model, ILogger log)
    {
        _model = model;
        _log = log;
        _thread = new Thread(Loop) { IsBackground = true, Name = $"finish {device}" };
        _thread.Start();
    }

    /// <summary>Batched calls made so far (tests and benchmarks: jobs per batch = jobs / batches).</summary>
    public long Batches => Interlocked.Read(ref _batches);

    /// <summary>Decodes and reranks one request's grids, in a batch with whatever else is waiting.</summary>
    public Task<FinishedJob> Finish(FinishJob job)
    {
        var done = new TaskCompletionSource<FinishedJob>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (_stopping) { done.SetException(new ObjectDisposedException("finish worker")); return done.Task; }
        _jobs.Enqueue((job, done));
        _wake.Set();
        return done.Task;
    }

    /// <summary>Runs a small job (a preview) on this thread, before the next batch.</summary>
    public Task<T> Run<T>(Func<ModelBundle, T> work)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (_stopping) { done.SetException(new ObjectDisposedException("finish worker")); return done.Task; }
        _previews.Enqueue((m =>
        {
            try { done.SetResult(work(m)); }
            catch (Exception e) { done.SetException(e); }
        }, e => done.TrySetException(e)));
        _wake.Set();
        return done.Task;
    }

    void Loop()
    {
        ModelBundle model;
        try { model = _model.GetAwaiter().GetResult(); }
        catch (Exception) { FailAll(new ObjectDisposedException("the device's model did not load")); return; }
        while (!_stopping)
        {
            while (_previews.TryDequeue(out var preview)) preview.Run(model);
            var batch = new List<(FinishJob Job, TaskCompletionSource<FinishedJob> Done)>();
            int images = 0;
            while (_jobs.TryPeek(out var next) && (batch.Count == 0 || images + next.Job.ImageTokens.Length <= MaxImagesPerBatch))
            {
                _jobs.TryDequeue(out _);
                batch.Add(next);
                images += next.Job.ImageTokens.Length;
            }
            if (batch.Count == 0) { _wake.WaitOne(TimeSpan.FromMilliseconds(250)); continue; }
            try
            {
                var results = BatchedFinish.Run(model, batch.Select(b => b.Job).ToList());
                Interlocked.Increment(ref _batches);
                for (int i = 0; i < batch.Count; i++) batch[i].Done.SetResult(results[i]);
            }
            catch (Exception e)
            {
                _log.LogWarning("A batched decode of {Jobs} requests failed: {Error}", batch.Count, e.Message);
                foreach (var b in batch) b.Done.TrySetException(e);
            }
        }
        FailAll(new ObjectDisposedException("finish worker"));
    }

    void FailAll(Exception reason)
    {
        while (_jobs.TryDequeue(out var job)) job.Done.TrySetException(reason);
        while (_previews.TryDequeue(out var preview)) preview.Fail(reason);
    }

    public void Dispose()
    {
        _stopping = true;
        _wake.Set();
        _thread.Join(TimeSpan.FromSeconds(10));
        _wake.Dispose();
    }
}
