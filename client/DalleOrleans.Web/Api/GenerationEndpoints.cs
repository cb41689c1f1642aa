using System.Net.ServerSentEvents;
using DalleOrleans.Abstractions;
using DalleOrleans.Web.Generations;
using DalleOrleans.Web.Hosting;
using Microsoft.AspNetCore.Mvc;

namespace DalleOrleans.Web.Api;

/// <summary>
/// The generation API: POST starts (or joins) a generation and answers at once with the caller's own ticket id; GET, the
/// event stream and the image downloads read it; DELETE withdraws the caller's interest. Every route is rate limited
/// (starting and withdrawing more tightly than reading), and with API keys configured every route needs a key and a
/// ticket is readable only with the key that created it. The OpenAPI document is generated from these declarations.
/// </summary>
public static class GenerationEndpoints
{
    public static void MapGenerationApi(this IEndpointRouteBuilder app)
    {
        var keys = app.ServiceProvider.GetRequiredService<ApiKeyCheck>();
        var api = app.MapGroup("/api/generations").WithTags("generations").AddEndpointFilter(keys);
        if (keys.Required) api.WithMetadata(new ApiKeyRequirement());

        api.MapPost("", Create)
            .RequireRateLimiting(RateLimits.GenerationPolicy)
            .WithName("startGeneration")
            .WithSummary("Start a generation, or join an identical running one")
            .WithDescription("Answers 202 with the caller's own ticket at once (200 when the result is already there). Without a seed a fresh random one is drawn and reported.")
            // The body is read by hand (GenerationBodyReader): no Accepts metadata, or routing would answer a wrong
            // content type with a bare 415 before the reader can explain it. ApiDocument describes the body instead.
            .Produces<GenerationView>(StatusCodes.Status202Accepted)
            .Produces<GenerationView>(StatusCodes.Status200OK)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        api.MapDelete("/{id}", Withdraw)
            .RequireRateLimiting(RateLimits.GenerationPolicy)
            .WithName("withdrawGeneration")
            .WithSummary("Withdraw the caller's interest; the work stops when no requester is left")
            .Produces<GenerationView>(StatusCodes.Status202Accepted)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        api.MapGet("/{id}", Get)
            .RequireRateLimiting(RateLimits.ReadPolicy)
            .WithName("getGeneration")
            .WithSummary("A generation's status, progress and result")
            .Produces<GenerationView>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);
        api.MapGet("/{id}/events", Events)
            .RequireRateLimiting(RateLimits.ReadPolicy)
            .WithName("generationEvents")
            .WithSummary("Server-sent events: 'progress' (ProgressView) while running, then one 'done' (GenerationView) or 'error' (ErrorView)")
            .Produces<ProgressView>(StatusCodes.Status200OK, "text/event-stream")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);
        api.MapGet("/{id}/images/{rank}.png", Image)
            .RequireRateLimiting(RateLimits.ReadPolicy)
            .WithName("generationImage")
            .WithSummary("A ranked image (1 = the reranker's best) as PNG; download=true or 1 sends it as an attachment")
            .Produces<byte[]>(StatusCodes.Status200OK, "image/png")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        api.MapGet("/{id}/preview.png", Preview)
            .RequireRateLimiting(RateLimits.ReadPolicy)
            .WithName("generationPreview")
            .WithSummary("The latest partial preview of candidate 0; 'tokens' only makes each preview's address distinct")
            .Produces<byte[]>(StatusCodes.Status200OK, "image/png")
            .ProducesProblem(StatusCodes.Status404NotFound);
    }

    /// <summary>Marks routes that need X-Api-Key, for the OpenAPI document's security requirement.</summary>
    public sealed class ApiKeyRequirement;

    static async Task<IResult> Create(HttpContext http, GenerationRunner runner, WebOptions options, ApiKeyCheck keys)
    {
        var (request, problem) = await GenerationBodyReader.ReadAsync(http.Request, options.MaxBodyBytes, http.RequestAborted);
        if (problem is not null) return problem;

        GenerationTicket ticket;
        try
        {
            ticket = await runner.StartAsync(request!, keys.Owner(http));
        }
        catch (ModelLimitException e)
        {
            return Problems.BadInput(e.Field, InputError.Describe(e).Message, limit: e.Limit);
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
            return Problems.Status(StatusCodes.Status503ServiceUnavailable, "No generator available", e.Message);
        }

        // Wait (briefly) until a device has taken the work, so a full cluster is refused here, with a 429, rather than
        // showing up later as a failed generation.
        var job = ticket.Job;
        bool started = job.Snapshot().Status == JobStatus.Running;      // 202 for new or running work, even if it ends while we wait
        var admitted = await job.WaitForAdmissionAsync(AdmissionWait, http.RequestAborted);
        if (admitted is { Status: JobStatus.Failed, Error.Status: StatusCodes.Status429TooManyRequests })
            return Overloaded(http, admitted.Error.Detail);

        var view = GenerationViews.Of(ticket);
        // Finished already (same request posted before): the answer is here, no need to poll.
        return started ? Results.Accepted(view.Links.Self, view) : Results.Ok(view);
    }

    /// <summary>The caller's ticket, or the problem to answer: malformed id, unknown id, or another key's ticket (also 404).</summary>
    static (GenerationTicket? Ticket, IResult? Problem) Find(string id, GenerationStore store, ApiKeyCheck keys, HttpContext http)
    {
        if (!GenerationTicket.IsWellFormed(id)) return (null, Problems.BadId(id));
        var ticket = store.FindTicket(id);
        // Another key's generation reads as unknown: its existence is not the caller's to learn.
        if (ticket is null || !keys.MayRead(http, ticket.Owner)) return (null, Problems.UnknownId(id));
        return (ticket, null);
    }

    static IResult Get(string id, GenerationStore store, ApiKeyCheck keys, HttpContext http)
    {
        var (ticket, problem) = Find(id, store, keys, http);
        return problem ?? Results.Ok(GenerationViews.Of(ticket!));
    }

    /// <summary>
    /// DELETE: withdraws this ticket's interest (a closed page sends it too). The ticket then reads as cancelled; the
    /// shared job goes on while other requesters still want it, and is cancelled (its batch rows freed) when none is left.
    /// </summary>
    static IResult Withdraw(string id, GenerationStore store, ApiKeyCheck keys, HttpContext http)
    {
        var (ticket, problem) = Find(id, store, keys, http);
        if (problem is not null) return problem;
        if (!ticket!.Withdraw())
            return Problems.Status(StatusCodes.Status409Conflict, "Generation finished",
                $"generation {id} has already finished or been cancelled; there is nothing to cancel.");
        return Results.Accepted(GenerationViews.SelfPath(id), GenerationViews.Of(ticket));
    }

    /// <summary>The latest partial preview of candidate 0 (it changes while the generation runs: not cacheable).</summary>
    static IResult Preview(string id, int? tokens, GenerationStore store, ApiKeyCheck keys, HttpContext http)
    {
        var (ticket, problem) = Find(id, store, keys, http);
        if (problem is not null) return problem;
        var png = ticket!.Snapshot().Progress.PreviewPng;
        if (png is null)
            return Problems.Status(StatusCodes.Status404NotFound, "No preview yet",
                $"generation {id} has no partial preview (yet): previews come every few image rows while tokens are drawn; cached results have none.");
        return new PngResult(png, null, immutable: false);
    }

    static IResult Events(string id, GenerationStore store, ApiKeyCheck keys, StreamGate streams, HttpContext http)
    {
        var (ticket, problem) = Find(id, store, keys, http);
        if (problem is not null) return problem;
        var lease = streams.TryEnter(RateLimits.ClientKey(http), out string? refusal);
        if (lease is null)
        {
            http.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return Problems.Status(StatusCodes.Status429TooManyRequests, "Too many event streams", refusal!);
        }
        http.Response.RegisterForDispose(lease);        // released when the response ends, however it ends
        http.Response.Headers["X-Accel-Buffering"] = "no";
        return TypedResults.ServerSentEvents(EventStream.Events(ticket!, http.RequestAborted));
    }

    static IResult Image(string id, string rank, string? download, GenerationStore store, ApiKeyCheck keys, HttpContext http)
    {
        var (ticket, problem) = Find(id, store, keys, http);
        if (problem is not null) return problem;
        var state = ticket!.Snapshot();
        if (state.Status == JobStatus.Running)
            return Problems.Status(StatusCodes.Status409Conflict, "Generation running", "the images are not ready yet; wait for the generation to finish.");
        var image = int.TryParse(rank, System.Globalization.NumberStyles.None, null, out int r)
            ? state.Result?.Images.FirstOrDefault(i => i.Rank == r)
            : null;
        if (image is null)
            return Problems.Status(StatusCodes.Status404NotFound, "Image not found",
                $"generation {id} has no image with rank '{(rank.Length > 12 ? rank[..12] + "…" : rank)}'.", "rank");
        // The bytes are fixed by the request and rank, so caches may keep them for good.
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
