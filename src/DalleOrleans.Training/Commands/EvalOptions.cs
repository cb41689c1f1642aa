using DalleOrleans.Model.Generation;

namespace DalleOrleans.Training.Commands;

/// <summary>Options of `dalle-train eval`.</summary>
public sealed record EvalOptions
{
    public GenerationOptions Generation { get; init; } = new();
    /// <summary>Candidates drawn per caption (the paper's N; the issue fixes 8).</summary>
    public int Candidates { get; init; } = 8;
    /// <summary>The report; null: EVALUATION.md in the model folder.</summary>
    public string? Out { get; init; }
    public int Seed { get; init; }
    /// <summary>Use only the first N captions of each list (quick checks); null: all of them.</summary>
    public int? Limit { get; init; }
    /// <summary>Captions per list: the fixed list, then captions drawn from the grammar (<see cref="Shapes.EvaluationCaptions.ForEvaluation"/>).</summary>
    public int Captions { get; init; } = Shapes.EvaluationCaptions.DefaultCount;
    /// <summary>Fresh images per split for the dVAE's reconstruction PSNR.</summary>
    public int PsnrImages { get; init; } = 256;

    public string ReportPath => Out ?? Path.Combine(Generation.Model, "EVALUATION.md");

    public void Validate()
    {
        Generation.Validate();
        if (Candidates is < 1 or > ImageRequest.MaxCandidates)
            throw new ArgumentException($"--candidates is {Candidates}; it must be between 1 and {ImageRequest.MaxCandidates}.", "candidates");
        if (Seed < 0) throw new ArgumentException($"--seed is {Seed}; it must be ≥ 0.", "seed");
        if (Limit is < 1) throw new ArgumentException($"--limit is {Limit}; it must be at least 1.", "limit");
        if (Captions is < 1 or > 100_000) throw new ArgumentException($"--captions is {Captions}; it must be between 1 and 100000.", "captions");
        if (PsnrImages is < 1 or > 100_000) throw new ArgumentException($"--psnr-images is {PsnrImages}; it must be between 1 and 100000.", "psnr-images");
        if (Out is not null && string.IsNullOrWhiteSpace(Out)) throw new ArgumentException("--out is empty; give the report's path.", "out");
    }
}
