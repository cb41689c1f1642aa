using DalleOrleans.Abstractions;
using DalleOrleans.Grains;

namespace DalleOrleans.Web.Generations;

/// <summary>
/// Starts generations in the background and records their progress and outcome in the store, so a POST can answer
/// at once with the id and readers follow the job by GET or server-sent events.
/// </summary>
public sealed class GenerationRunner(GenerationClient client, GenerationStore store, RequestValidator validator,
    IHostApplicationLifetime lifetime, ILogger<GenerationRunner> log)
{
    /// <summary>
    /// Validates, fingerprints and starts (or joins) the generation; returns the caller's own ticket on it. Throws
    /// <see cref="ArgumentException"/> for bad input, and whatever the cluster throws when it cannot be asked.
    /// </summary>
    public async Task<GenerationTicket> StartAsync(GenerationRequest request, byte[]? owner)
    {
        string fingerprint = await validator.ValidateAsync(request);
        var ticket = store.Open(fingerprint, request, owner, out bool created);
        // Not tied to the HTTP request: the generation goes on when the poster disconnects, until every ticket is withdrawn.
        if (created) _ = Task.Run(() => RunAsync(ticket.Job));
        return ticket;
    }

    async Task RunAsync(GenerationJob job)
    {
        var stopping = lifetime.ApplicationStopping;
        // Cancelled when every ticket is withdrawn; leaving the generation grain then cancels the cluster's work when no
        // other caller (another front end) waits on it, which frees its batch rows.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(stopping, job.Cancellation);
        try
        {
            var result = await client.GenerateAsync(job.Request, new JobProgress(job), stop.Token);
            job.Complete(result);
        }
        catch (ArgumentException e)
        {
            // Input only the cluster could judge (a prompt longer than the remote model's limit).
            var (field, message) = InputError.Describe(e);
            job.Fail(new JobError(StatusCodes.Status400BadRequest, "Invalid generation request", message, field));
        }
        catch (DeviceOverloadedException e)
        {
            // Every device's admission queue was full: refused at once, the caller should come back later.
            job.Fail(new JobError(StatusCodes.Status429TooManyRequests, "Overloaded, retry later", e.Message, null));
        }
        catch (OperationCanceledException) when (job.Cancellation.IsCancellationRequested && !stopping.IsCancellationRequested)
        {
            job.Fail(JobError.Cancelled, GenerationStage.Cancelled);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            job.Fail(new JobError(StatusCodes.Status503ServiceUnavailable, "Front end stopping", "the web front end is shutting down; retry.", null));
        }
        catch (Exception e)
        {
            log.LogWarning(e, "Generation {Id} failed", job.Id);
            job.Fail(new JobError(StatusCodes.Status502BadGateway, "Generation failed", e.Message, null));
        }
        finally
        {
            store.Trim();
        }
    }

    /// <summary>Writes progress straight into the job: Progress&lt;T&gt; would post to the thread pool and could reorder reports.</summary>
    sealed class JobProgress(GenerationJob job) : IProgress<GenerationProgress>
    {
        public void Report(GenerationProgress value) => job.Report(value);
    }
}
