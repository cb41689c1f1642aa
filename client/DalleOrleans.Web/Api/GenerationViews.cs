using DalleOrleans.Abstractions;
using DalleOrleans.Web.Generations;

namespace DalleOrleans.Web.Api;

/// <summary>
/// A generation as the API returns it (GET, POST, and the final "done" event). <c>Id</c> is the requester's own ticket
/// (random, not derived from the request); <c>Seed</c> is the seed used, drawn at random when the request had none, so
/// posting it again reproduces the images.
/// </summary>
public sealed record GenerationView(
    string Id, JobStatus Status, string Prompt, long Seed, RequestView Request, ProgressView Progress,
    ResultView? Result, ErrorView? Error, LinksView Links);

public sealed record RequestView(string Prompt, int Candidates, int Top, long Seed, double Temperature, int TopK, double TopP, double Guidance);

/// <summary>
/// One progress report: the stage, image tokens drawn of the total, and candidates finished; with a partial preview of
/// candidate 0 once one exists (<c>PreviewUrl</c> changes with every new preview).
/// </summary>
public sealed record ProgressView(GenerationStage Stage, int TokensDone, int TokensTotal, int CandidatesDone, int Candidates,
    int PreviewTokens, string? PreviewUrl);

public sealed record ResultView(string ModelId, bool CacheHit, StageTimes Timings, IReadOnlyList<string> Devices, IReadOnlyList<ImageView> Images);

/// <summary>A ranked image: 1 is the reranker's best. <c>Url</c> shows it, <c>DownloadUrl</c> saves it as a file.</summary>
public sealed record ImageView(int Rank, int Candidate, float Score, string Url, string DownloadUrl, int Bytes);

public sealed record ErrorView(int Status, string Title, string Detail, string? Field);

public sealed record LinksView(string Self, string Events);

public static class GenerationViews
{
    public static string SelfPath(string id) => $"/api/generations/{id}";
    public static string ImagePath(string id, int rank) => $"/api/generations/{id}/images/{rank}.png";
    public static string PreviewPath(string id) => $"/api/generations/{id}/preview.png";

    public static GenerationView Of(GenerationTicket ticket) => Of(ticket, ticket.Snapshot());

    public static GenerationView Of(GenerationTicket ticket, JobSnapshot state)
    {
        var r = ticket.Job.Request;
        string id = ticket.Id;
        return new GenerationView(
            id, state.Status, r.Prompt, r.Seed,
            new RequestView(r.Prompt, r.Candidates, r.Top, r.Seed, r.Temperature, r.TopK, r.TopP, r.GuidanceScale),
            Progress(id, state.Progress),
            state.Result is { } result ? Result(id, result) : null,
            state.Error is { } e ? Error(e) : null,
            new LinksView(SelfPath(id), SelfPath(id) + "/events"));
    }

    public static ErrorView Error(JobError e) => new(e.Status, e.Title, e.Detail, e.Field);

    public static ProgressView Progress(string id, GenerationProgress p) =>
        new(p.Stage, p.TokensDone, p.TokensTotal, p.CandidatesDone, p.Candidates, p.PreviewPng is null ? 0 : p.PreviewTokens,
            p.PreviewPng is null ? null : $"{PreviewPath(id)}?tokens={p.PreviewTokens}");

    static ResultView Result(string id, GenerationResult result) => new(
        result.ModelId, result.CacheHit, result.Timings, result.Devices,
        result.Images.Select(i => new ImageView(i.Rank, i.Candidate, i.Score, ImagePath(id, i.Rank),
            ImagePath(id, i.Rank) + "?download=true", i.Png.Length)).ToList());
}
