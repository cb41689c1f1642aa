using DalleOrleans.Model.Sampling;

namespace DalleOrleans.Model.Generation;

/// <summary>What to generate: a prompt, how many candidates to draw, how many to keep, the seed and sampling.</summary>
public sealed record ImageRequest(string Prompt, int Candidates = 8, int Top = 4, long Seed = 0, SamplingOptions? Sampling = null)
{
    public const int MaxCandidates = 64;
    /// <summary>Seeds are JSON-safe integers: 0 … 2^53 − 1.</summary>
    public const long MaxSeed = (1L << 53) - 1;

    public SamplingOptions Options => Sampling ?? new SamplingOptions();

    /// <summary>Checks every field against its limit (the prompt's length is checked by the tokenizer).</summary>
    public void Validate(int imageVocabSize)
    {
        if (string.IsNullOrWhiteSpace(Prompt)) throw new ArgumentException("prompt is empty; it needs at least one word.", "prompt");
        if (Candidates is < 1 or > MaxCandidates)
            throw new ArgumentException($"candidates is {Candidates}; it must be between 1 and {MaxCandidates}.", "candidates");
        if (Top < 1 || Top > Candidates)
            throw new ArgumentException($"top is {Top}; it must be between 1 and candidates ({Candidates}).", "top");
        if (Seed is < 0 or > MaxSeed)
            throw new ArgumentException($"seed is {Seed}; it must be between 0 and {MaxSeed}.", "seed");
        Options.Validate(imageVocabSize);
    }
}

/// <summary>One kept image: its rank (1 = best), the candidate it came from, its reranker score and PNG bytes.</summary>
public sealed record RankedImage(int Rank, int Candidate, float Score, byte[] Png);

/// <summary>Milliseconds spent in each stage of one generation.</summary>
public sealed record StageTimings(double TokensMs, double DecodeMs, double RerankMs, double EncodeMs)
{
    public double TotalMs => TokensMs + DecodeMs + RerankMs + EncodeMs;
}

public sealed record ImageResult(string Prompt, string ModelId, IReadOnlyList<RankedImage> Images, StageTimings Timings);

/// <summary>Progress of the token stage: image tokens drawn so far over all candidates.</summary>
public sealed record TokenProgress(int TokensDone, int TokensTotal, int CandidatesDone, int Candidates);
