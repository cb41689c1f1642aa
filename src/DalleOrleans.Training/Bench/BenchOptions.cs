using DalleOrleans.Model;
using DalleOrleans.Model.Transformer;
using DalleOrleans.Training.Setup;

namespace DalleOrleans.Training.Bench;

/// <summary>
/// Options of `dalle-train bench`: which stages to time, and size overrides on top of the shipped config (or
/// --config), so candidate sizes can be compared without writing config files.
/// </summary>
public sealed record BenchOptions
{
    public IReadOnlyList<StageKind> Stages { get; init; } = Enum.GetValues<StageKind>();
    public string? ConfigFile { get; init; }
    public int? ModelDim { get; init; }
    public int? Layers { get; init; }
    public int? Heads { get; init; }
    public int? DvaeWidth { get; init; }
    public int? Codebook { get; init; }
    public int? RerankerWidth { get; init; }
    /// <summary>Batch for every timed stage; null: each stage's shipped batch.</summary>
    public int? Batch { get; init; }
    public int Steps { get; init; } = 10;
    public int Warmup { get; init; } = 3;
    public int? Threads { get; init; }
    /// <summary>Also time one 8-candidate generation (what `eval` does 64 times).</summary>
    public bool Generation { get; init; } = true;

    public void Validate()
    {
        if (Stages.Count == 0) throw new ArgumentException("--stages is empty; name at least one of dvae, transformer, reranker.", "stages");
        if (Steps is < 1 or > 10_000) throw new ArgumentException($"--steps is {Steps}; it must be between 1 and 10000.", "steps");
        if (Warmup is < 0 or > 1_000) throw new ArgumentException($"--warmup is {Warmup}; it must be between 0 and 1000.", "warmup");
        if (Batch is < 1 or > StagePlan.MaxBatch) throw new ArgumentException($"--batch is {Batch}; it must be between 1 and {StagePlan.MaxBatch}.", "batch");
        if (Threads is < 1 or > 1024) throw new ArgumentException($"--threads is {Threads}; it must be between 1 and 1024.", "threads");
    }

    /// <summary>The config to time (text sizes still to be filled from a tokenizer).</summary>
    public ModelConfig BaseConfig()
    {
        var c = ConfigFile is null ? ShippedConfig.Model() : Setup.ConfigFile.ReadUnvalidated(ConfigFile);
        var t = c.Transformer;
        int layers = Layers ?? t.Layers;
        int codebook = Codebook ?? c.Dvae.CodebookSize;
        return c with
        {
            Dvae = c.Dvae with { HiddenWidth = DvaeWidth ?? c.Dvae.HiddenWidth, CodebookSize = codebook },
            Transformer = t with
            {
                ModelDim = ModelDim ?? t.ModelDim,
                Heads = Heads ?? t.Heads,
                Layers = layers,
                Attention = layers == t.Layers ? t.Attention : TransformerConfig.DefaultPattern(layers),
                ImageVocabSize = codebook,
            },
            Reranker = c.Reranker with { ImageWidth = RerankerWidth ?? c.Reranker.ImageWidth },
        };
    }
}
