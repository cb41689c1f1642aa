using DalleOrleans.Abstractions;

namespace DalleOrleans.Web.Generations;

public enum JobStatus { Running, Done, Failed }

/// <summary>Why a generation failed, in problem-details terms (a bad prompt is the caller's 400, a lost cluster a 503).</summary>
public sealed record JobError(int Status, string Title, string Detail, string? Field)
{
    /// <summary>Every requester withdrew (DELETE, or the page closed), or this one did.</summary>
    public static readonly JobError Cancelled = new(409, "Generation cancelled",
        "the generation was cancelled (DELETE); post the request again to start it afresh.", null);
}

/// <summary>A consistent view of a job at one moment; <see cref="Version"/> grows with every change.</summary>
public sealed record JobSnapshot(int Version, JobStatus Status, GenerationProgress Progress, GenerationResult? Result, JobError? Error);

/// <summary>
/// One generation as the front end sees it: its request, the latest progress, and its result or error.
/// Readers (GET, server-sent events) take snapshots and wait for the next change instead of polling.
/// </summary>
public sealed class GenerationJob
{
    readonly object _gate = new();
    readonly CancellationTokenSource _cancel = new();
    JobSnapshot _state;
    TaskCompletionSource _changed = NewSignal();
    /// <summary>Tickets still interested in this job; when the last one leaves, the work is cancelled.</summary>
    int _interested;
    bool _abandoned;

    public GenerationJob(string id, GenerationRequest request)
    {
        Id = id;
        Request = request;
        // A first progress report before the cluster sends any, so every event stream starts with one.
        _state = new JobSnapshot(0, JobStatus.Running,
            new GenerationProgress { Fingerprint = id, Stage = GenerationStage.Queued, Candidates = request.Candidates }, null, null);
    }

    public string Id { get; }
    public GenerationRequest Request { get; }
    public DateTimeOffset Created { get; } = DateTimeOffset.UtcNow;

    public JobSnapshot Snapshot()
    {
        lock (_gate) return _state;
    }

    public bool IsFinished => Snapshot().Status != JobStatus.Running;

    /// <summary>Cancelled when the last interested ticket leaves: the runner stops waiting for the cluster, which frees the work's batch rows.</summary>
    public CancellationToken Cancellation => _cancel.Token;

    /// <summary>A new requester joins; false when the job has finished or everyone has left it (a new job is needed then).</summary>
    public bool TryJoin()
    {
        lock (_gate)
        {
            if (_state.Status != JobStatus.Running || _abandoned) return false;
            _interested++;
            return true;
        }
    }

    /// <summary>A requester leaves; the last one to leave a running job cancels it. Readers are woken either way.</summary>
    public void Leave()
    {
        bool last;
        lock (_gate)
        {
            _interested--;
            last = _interested <= 0 && _state.Status == JobStatus.Running;
            if (last) _abandoned = true;
        }
        if (last) _cancel.Cancel();
        Update(s => s with { });        // a withdrawn ticket's event stream must see the change
    }

    /// <summary>
    /// Progress from the cluster; late reports (the relay is best effort and may trail the result) are dropped.
    /// The cluster sends a preview's PNG once: reports without one keep the last preview.
    /// </summary>
    public void Report(GenerationProgress progress)
    {
        Update(s => s.Status != JobStatus.Running ? null : s with
        {
            Progress = progress.PreviewPng is null && progress.PreviewTokens > 0 && progress.PreviewTokens == s.Progress.PreviewTokens
                ? progress with { PreviewPng = s.Progress.PreviewPng }
                : progress,
        });
    }

    public void Complete(GenerationResult result)
    {
        Update(s => s.Status != JobStatus.Running ? null : s with
        {
            Status = JobStatus.Done, Result = result,
            Progress = s.Progress with
            {
                Stage = GenerationStage.Done, CandidatesDone = Request.Candidates,
                TokensDone = Math.Max(s.Progress.TokensDone, s.Progress.TokensTotal),
            },
        });
    }

    public void Fail(JobError error, GenerationStage stage = GenerationStage.Failed)
    {
        Update(s => s.Status != JobStatus.Running ? null : s with
        {
            Status = JobStatus.Failed, Error = error, Progress = s.Progress with { Stage = stage, Error = error.Detail },
        });
    }

    /// <summary>Completes when the job has changed past <paramref name="seenVersion"/> (at once if it already has).</summary>
    public Task WaitForChangeAsync(int seenVersion, CancellationToken cancellation)
    {
        Task signal;
        lock (_gate)
        {
            if (_state.Version != seenVersion) return Task.CompletedTask;
            signal = _changed.Task;
        }
        return signal.WaitAsync(cancellation);
    }

    /// <summary>
    /// Waits until a device has accepted the work (the cluster reports the token stage), the job has finished, or
    /// <paramref name="timeout"/> passes; returns the state seen last. A refused job is then already failed.
    /// </summary>
    public async Task<JobSnapshot> WaitForAdmissionAsync(TimeSpan timeout, CancellationToken cancellation)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        limit.CancelAfter(timeout);
        var state = Snapshot();
        try
        {
            // A "failed" stage can arrive by the progress relay before the job's own failure: wait for the latter.
            while (state.Status == JobStatus.Running &&
                   (state.Progress.Stage < GenerationStage.Tokens || state.Progress.Stage is GenerationStage.Failed or GenerationStage.Cancelled))
            {
                await WaitForChangeAsync(state.Version, limit.Token);
                state = Snapshot();
            }
        }
        catch (OperationCanceledException) when (limit.IsCancellationRequested)
        {
            state = Snapshot();
        }
        return state;
    }

    void Update(Func<JobSnapshot, JobSnapshot?> change)
    {
        TaskCompletionSource fired;
        lock (_gate)
        {
            var next = change(_state);
            if (next is null) return;
            _state = next with { Version = _state.Version + 1 };
            fired = _changed;
            _changed = NewSignal();
        }
        fired.TrySetResult();     // outside the lock: waiters continue asynchronously anyway
    }

    static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
