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
            job.Complete(await GenerateAsync(job, stop.Token));
        }
        catch (Exception) when (job.Cancellation.IsCancellationRequested && !stopping.IsCancellationRequested)
        {
            // Every requester withdrew. The cancelled call may surface as any exception (the relay's, Orleans' own
            // wrapper around the grain's), not only an OperationCanceledException: the job was cancelled all the same.
            job.Fail(JobError.Cancelled, GenerationStage.Cancelled);
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

    /// <summary>
    /// The cluster call, asked again when it ends cancelled although nobody here cancelled it: the generation grain
    /// lets a new caller join a shared generation that its last caller has just cancelled and that is still winding
    /// down (as when a page is reloaded: the old ticket's withdrawal cancels it, the reopened page asks again at once).
    /// Once that generation has ended, the same call starts a fresh one.
    /// </summary>
    async Task<GenerationResult> GenerateAsync(GenerationJob job, CancellationToken cancellation)
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                return await client.GenerateAsync(job.Request, new JobProgress(job), cancellation);
            }
            catch (OperationCanceledException) when (attempt < JoinedCancelledAttempts && !cancellation.IsCancellationRequested)
            {
                log.LogInformation("Generation {Id} joined a cancelled generation; asking again (attempt {Attempt})", job.Id, attempt + 1);
                await Task.Delay(TimeSpan.FromMilliseconds(250 * attempt), cancellation);
            }
        }
    }

    const int JoinedCancelledAttempts = 5;

    /// <summary>Writes progress straight into the job: Progress&lt;T&gt; would post to the thread pool and could reorder reports.</summary>
    sealed class JobProgress(GenerationJob job) : IProgress<GenerationProgress>
    {
        public void Report(GenerationProgress value) => job.Report(value);
    }
}
