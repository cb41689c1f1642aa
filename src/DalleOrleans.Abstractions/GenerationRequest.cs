namespace DalleOrleans.Abstractions;

/// <summary>
/// What a caller asks for. Version 1 of the contract: fields are only ever added with new ids.
/// Defaults: temperature 1, no top-k, top-p 1, classifier-free guidance 2 (see <see cref="DefaultGuidanceScale"/>).
/// </summary>
[GenerateSerializer, Alias("DalleOrleans.GenerationRequest.v1")]
public sealed record GenerationRequest
{
    [Id(0)] public string Prompt { get; init; } = "";
    [Id(1)] public int Candidates { get; init; } = 8;
    [Id(2)] public int Top { get; init; } = 4;
    [Id(3)] public long Seed { get; init; }
    [Id(4)] public double Temperature { get; init; } = 1.0;
    [Id(5)] public int TopK { get; init; }
    [Id(6)] public double TopP { get; init; } = 1.0;
    [Id(7)] public double GuidanceScale { get; init; } = DefaultGuidanceScale;

    /// <summary>
    /// Classifier-free guidance unless a caller asks otherwise. Why 2: with the shipped shapes-v2 (trained with caption
    /// dropout, so it has an unconditional stream) guidance 2 raised the reranked top-1 full match on held-out pairs from
    /// 54.3 % to 67.6 % and a random candidate's from 29.3 % to 39.5 % (256 captions each, `dalle-train eval --guidance`);
    /// it costs a second KV row per candidate. 1 turns it off (half the rows, for load tests or speed).
    /// </summary>
    public const double DefaultGuidanceScale = 2.0;
}

/// <summary>One ranked image of a result.</summary>
[GenerateSerializer, Alias("DalleOrleans.GeneratedImage.v1")]
public sealed record GeneratedImage(
    [property: Id(0)] int Rank,
    [property: Id(1)] int Candidate,
    [property: Id(2)] float Score,
    [property: Id(3)] byte[] Png);

/// <summary>Milliseconds per stage; cache hits report only the lookup.</summary>
[GenerateSerializer, Alias("DalleOrleans.StageTimes.v1")]
public sealed record StageTimes
{
    [Id(0)] public double CacheLookupMs { get; init; }
    [Id(1)] public double TokensMs { get; init; }
    [Id(2)] public double DecodeMs { get; init; }
    [Id(3)] public double RerankMs { get; init; }
    [Id(4)] public double EncodeMs { get; init; }
    [Id(5)] public double TotalMs { get; init; }
}

[GenerateSerializer, Alias("DalleOrleans.GenerationResult.v1")]
public sealed record GenerationResult
{
    [Id(0)] public string Prompt { get; init; } = "";
    [Id(1)] public IReadOnlyList<GeneratedImage> Images { get; init; } = Array.Empty<GeneratedImage>();
    [Id(2)] public string Fingerprint { get; init; } = "";
    [Id(3)] public string ModelId { get; init; } = "";
    [Id(4)] public bool CacheHit { get; init; }
    [Id(5)] public StageTimes Timings { get; init; } = new();
    /// <summary>Which devices drew the candidates (silo/device keys), for operators and tests.</summary>
    [Id(6)] public IReadOnlyList<string> Devices { get; init; } = Array.Empty<string>();
}

public enum GenerationStage { Queued, CacheLookup, Tokens, Decoding, Reranking, Done, Failed, Cancelled }

/// <summary>A progress report streamed to whoever watches a generation.</summary>
[GenerateSerializer, Alias("DalleOrleans.GenerationProgress.v1")]
public sealed record GenerationProgress
{
    [Id(0)] public string Fingerprint { get; init; } = "";
    [Id(1)] public GenerationStage Stage { get; init; }
    [Id(2)] public int TokensDone { get; init; }
    [Id(3)] public int TokensTotal { get; init; }
    [Id(4)] public int CandidatesDone { get; init; }
    [Id(5)] public int Candidates { get; init; }
    [Id(6)] public string? Error { get; init; }
    /// <summary>
    /// Candidate 0 partly drawn, as a PNG whose unfinished rows are grey. Set on the report that brings a new preview
    /// and on the first report a new watcher gets; null on the others, so a preview crosses the wire once per watcher:
    /// keep the last one seen.
    /// </summary>
    [Id(7)] public byte[]? PreviewPng { get; init; }
    /// <summary>Image tokens of candidate 0 in the latest preview (0: none yet).</summary>
    [Id(8)] public int PreviewTokens { get; init; }
}
