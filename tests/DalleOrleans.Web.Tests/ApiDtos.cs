namespace DalleOrleans.Web.Tests;

// The API's JSON as a client reads it: written out here rather than reusing the server's records, so a renamed
// property on the server breaks these tests the way it would break a real client.

public sealed record GenerationDto(string Id, string Status, string Prompt, long Seed, ProgressDto Progress, ResultDto? Result, ErrorDto? Error, LinksDto Links);

public sealed record ProgressDto(string Stage, int TokensDone, int TokensTotal, int CandidatesDone, int Candidates, int PreviewTokens, string? PreviewUrl);

public sealed record ResultDto(string ModelId, bool CacheHit, TimingsDto Timings, List<ImageDto> Images);

public sealed record TimingsDto(double TokensMs, double TotalMs);

public sealed record ImageDto(int Rank, int Candidate, float Score, string Url, string DownloadUrl, int Bytes);

public sealed record ErrorDto(int Status, string Title, string Detail, string? Field);

public sealed record LinksDto(string Self, string Events);

public sealed record ProblemDto(string? Type, string? Title, int Status, string? Detail, string? Field, int? Limit = null);
