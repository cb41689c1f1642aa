using DalleOrleans.Grains;
using DalleOrleans.Web.Generations;
using DalleOrleans.Web.Hosting;

namespace DalleOrleans.Web.Api;

/// <summary>
/// The generation API: POST starts (or joins) a generation and answers with its id at once; GET, the event stream and
/// the image downloads read the front end's store. Routes here must match OpenApi/v1.json (a test checks).
/// </summary>
public static class GenerationEndpoints
{
    public static void MapGenerationApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/generations");
        // Only starting work is limited and guarded: reads are addressed by an unguessable fingerprint (SHA-256 of
        // the whole request), and the page's EventSource and <img> cannot send headers.
        api.MapPost("", Create)
            .RequireRateLimiting(RateLimits.GenerationPolicy)
            .AddEndpointFilter(app.ServiceProvider.GetRequiredService<ApiKeyCheck>());
        // Cancelling is guarded like starting: it stops work that every identical request shares.
        api.MapDelete("/{id}", Cancel)
            .RequireRateLimiting(RateLimits.GenerationPolicy)
            .AddEndpointFilter(app.ServiceProvider.GetRequiredService<ApiKeyCheck>());
        api.MapGet("/{id}", Get);
        api.MapGet("/{id}/events", Events);
        api.MapGet("/{id}/images/{rank}.png", Image);
        api.MapGet("/{id}/preview.png", Preview);
    }

    static async Task<IResult> Create(HttpContext http, GenerationRunner runner, WebOptions options)
    {
        var (request, problem) = await GenerationBodyReader.ReadAsync(http.Request, options.MaxBodyBytes, http.RequestAborted);
        if (problem is not null) return problem;

        GenerationJob job;
        try
        {
            job = await runner.StartAsync(request!);
        }
        catch (ArgumentException e)
        {
            var (field, message) = InputError.Describe(e);
            return Problems.BadInput(field, message);
        }
        catch (TooManyGenerationsException e)
        {
            return Overloaded(http, e.Message);
        }
        catch (Exception e) when (ClusterUnavailable(e))
        {
            http.Response.Headers.RetryAfter = "5";
            return Problems.Status(StatusCodes.Status503ServiceUnavailable, "Cluster unavailable", e.Message);
        }

        // Wait (briefly) until a device has taken the work, so a full cluster is refused here, with a 429, rather than
        // showing up later as a failed generation.
        bool started = job.Snapshot().Status == JobStatus.Running;      // 202 for new or running work, even if it ends while we wait
        var admitted = await job.WaitForAdmissionAsync(AdmissionWait, http.RequestAborted);
        if (admitted is { Status: JobStatus.Failed, Error.Status: StatusCodes.Status429TooManyRequests })
            return Overloaded(http, admitted.Error.Detail);

        var view = GenerationViews.Of(job);
        // Finished already (same request posted before): the answer is here, no need to poll.
        return started ? Results.Accepted(view.Links.Self, view) : Results.Ok(view);
    }

    static IResult Get(string id, GenerationStore store)
    {
        if (!RequestFingerprint.IsWellFormed(id)) return Problems.BadId(id);
        var job = store.Find(id);
        return job is null ? Problems.UnknownId(id) : Results.Ok(GenerationViews.Of(job));
    }

    /// <summary>
    /// DELETE: stops a running generation (a closed page sends it too). The job ends as failed with stage "cancelled";
    /// its batch rows are freed once no other caller of the cluster waits for the same request.
    /// </summary>
    static IResult Cancel(string id, GenerationStore store)
    {
        if (!RequestFingerprint.IsWellFormed(id)) return Problems.BadId(id);
        var job = store.Find(id);
        if (job is null) return Problems.UnknownId(id);
        if (!job.Cancel())
            return Problems.Status(StatusCodes.Status409Conflict, "Generation finished", $"generation {id} has already finished; there is nothing to cancel.");
        return Results.Accepted(GenerationViews.SelfPath(id), GenerationViews.Of(job));
    }

    /// <summary>The latest partial preview of candidate 0 (it changes while the generation runs: not cacheable).</summary>
    static IResult Preview(string id, GenerationStore store)
    {
        if (!RequestFingerprint.IsWellFormed(id)) return Problems.BadId(id);
        var job = store.Find(id);
        if (job is null) return Problems.UnknownId(id);
        var png = job.Snapshot().Progress.PreviewPng;
        if (png is null)
            return Problems.Status(StatusCodes.Status404NotFound, "No preview yet",
                $"generation {id} has no partial preview (yet): previews come every few image rows while tokens are drawn; cached results have none.");
        return new PngResult(png, null, immutable: false);
    }

    static async Task<IResult> Events(string id, GenerationStore store, HttpContext http)
    {
        if (!RequestFingerprint.IsWellFormed(id)) return Problems.BadId(id);
        var job = store.Find(id);
        if (job is null) return Problems.UnknownId(id);
        await EventStream.WriteAsync(http, job, http.RequestAborted);
        return Results.Empty;
    }

    static IResult Image(string id, string rank, string? download, GenerationStore store)
    {
        if (!RequestFingerprint.IsWellFormed(id)) return Problems.BadId(id);
        var job = store.Find(id);
        if (job is null) return Problems.UnknownId(id);
        var state = job.Snapshot();
        if (state.Status == JobStatus.Running)
            return Problems.Status(StatusCodes.Status409Conflict, "Generation running", "the images are not ready yet; wait for the generation to finish.");
        var image = int.TryParse(rank, System.Globalization.NumberStyles.None, null, out int r)
            ? state.Result?.Images.FirstOrDefault(i => i.Rank == r)
            : null;
        if (image is null)
            return Problems.Status(StatusCodes.Status404NotFound, "Image not found",
                $"generation {id} has no image with rank '{(rank.Length > 12 ? rank[..12] + "…" : rank)}'.", "rank");
        // The bytes are fixed by the fingerprint and rank, so caches may keep them for good.
        // "download" is read by hand: a typed bool would turn "?download=1" into a binding failure.
        bool attachment = download is "true" or "1";
        return new PngResult(image.Png, attachment ? $"dalle-{id[..12]}-{image.Rank}.png" : null);
    }

    /// <summary>How long a POST waits for a device to accept its candidates before answering 202 anyway.</summary>
    static readonly TimeSpan AdmissionWait = TimeSpan.FromSeconds(2);

    /// <summary>Seconds a refused caller is asked to wait: a generation on the shipped model takes about this long.</summary>
    public const int RetryAfterSeconds = 5;

    static IResult Overloaded(HttpContext http, string detail)
    {
        http.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Problems.Status(StatusCodes.Status429TooManyRequests, "Overloaded, retry later", detail);
    }

    /// <summary>The cluster could not be asked: no device yet, a silo or gateway gone, a call timed out.</summary>
    static bool ClusterUnavailable(Exception e) =>
        e is InvalidOperationException or TimeoutException or OrleansException or ObjectDisposedException;
}
