using DalleOrleans.Training.Progress;
using DalleOrleans.Training.Setup;

namespace DalleOrleans.Training.Training;

/// <summary>
/// Options of the stage commands (dvae, transformer, reranker). Null plan values mean "the saved plan when
/// resuming, else the shipped default" (<see cref="ShippedConfig.Plan"/>).
/// </summary>
public sealed record StageOptions
{
    public string Run { get; init; } = ShippedConfig.DefaultRunFolder;
    public long? Steps { get; init; }
    public int? Batch { get; init; }
    public double? LearningRate { get; init; }
    /// <summary>dVAE only: the final KL weight β.</summary>
    public double? KlWeight { get; init; }
    /// <summary>dVAE only: the weight of the code-usage term.</summary>
    public double? UsageWeight { get; init; }
    /// <summary>dVAE only: freeze the encoder and fine-tune the decoder on hard codes.</summary>
    public bool? DecoderOnly { get; init; }
    /// <summary>dVAE only: encoder and decoder on hard codes, straight-through.</summary>
    public bool? StraightThrough { get; init; }
    /// <summary>dVAE only: folder whose dvae.safetensors gives the codes to stay near.</summary>
    public string? Anchor { get; init; }
    /// <summary>dVAE only: weight of the anchor's cross-entropy.</summary>
    public double? AnchorWeight { get; init; }
    /// <summary>Reranker only: add a hard negative per caption.</summary>
    public bool? HardNegatives { get; init; }
    /// <summary>Reranker only: train on dVAE round trips of the rendered images.</summary>
    public bool? DecodedImages { get; init; }
    /// <summary>Reranker only: keep only the round trips the judge reads as their caption (clean renders otherwise).</summary>
    public bool? FaithfulRoundTrips { get; init; }
    /// <summary>Warm start: a model or run folder whose &lt;stage&gt;.safetensors a new stage starts from (ignored when resuming).</summary>
    public string? Init { get; init; }
    public int Seed { get; init; }
    public string? ConfigFile { get; init; }
    public double CheckpointEveryMinutes { get; init; } = 5;
    /// <summary>Steps between preview grids; null: the stage's default; 0: none.</summary>
    public long? SamplesEvery { get; init; }
    public int VocabCaptions { get; init; } = ShippedConfig.VocabularyCaptions;
    public ProgressMode Progress { get; init; } = ProgressMode.Auto;
    public double LogEverySeconds { get; init; } = 30;
    public string Device { get; init; } = "cpu";
    /// <summary>libtorch intra-op threads; null: <see cref="TorchThreads.Default"/>.</summary>
    public int? Threads { get; init; }

    public static long DefaultSamplesEvery(StageKind stage) => stage switch
    {
        StageKind.Dvae => 500,
        StageKind.Transformer => 1000,
        _ => 500,
    };

    /// <summary>Throws <see cref="ArgumentException"/> naming the option and its range.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Run)) throw new ArgumentException("--run is empty; give a folder for the run's files.", "run");
        if (Steps is < 1 or > StagePlan.MaxSteps) throw new ArgumentException($"--steps is {Steps}; it must be between 1 and {StagePlan.MaxSteps}.", "steps");
        if (Batch is < 1 or > StagePlan.MaxBatch) throw new ArgumentException($"--batch is {Batch}; it must be between 1 and {StagePlan.MaxBatch}.", "batch");
        if (LearningRate is { } lr && (!double.IsFinite(lr) || lr <= 0 || lr > 1)) throw new ArgumentException($"--lr is {lr}; it must be a number in (0, 1].", "lr");
        if (KlWeight is { } kl && (!double.IsFinite(kl) || kl < 0 || kl > 1000)) throw new ArgumentException($"--kl-weight is {kl}; it must be in [0, 1000].", "kl-weight");
        if (UsageWeight is { } u && (!double.IsFinite(u) || u < 0 || u > 1000)) throw new ArgumentException($"--usage-weight is {u}; it must be in [0, 1000].", "usage-weight");
        if (Anchor is not null && !File.Exists(Path.Combine(Anchor, "dvae.safetensors"))) throw new ArgumentException($"--anchor '{Anchor}' holds no dvae.safetensors.", "anchor");
        if (Init is not null && !Directory.Exists(Init)) throw new ArgumentException($"--init '{Init}' is not a folder; give a model or run folder holding <stage>.safetensors.", "init");
        if (Seed < 0) throw new ArgumentException($"--seed is {Seed}; it must be ≥ 0.", "seed");
        if (!double.IsFinite(CheckpointEveryMinutes) || CheckpointEveryMinutes <= 0 || CheckpointEveryMinutes > 24 * 60)
            throw new ArgumentException($"--checkpoint-every-minutes is {CheckpointEveryMinutes}; it must be a number in (0, 1440].", "checkpoint-every-minutes");
        if (SamplesEvery is < 0) throw new ArgumentException($"--samples-every is {SamplesEvery}; it must be ≥ 0 (0 = no previews).", "samples-every");
        if (VocabCaptions < 1) throw new ArgumentException($"--vocab-captions is {VocabCaptions}; it must be at least 1.", "vocab-captions");
        if (!double.IsFinite(LogEverySeconds) || LogEverySeconds < 0) throw new ArgumentException($"--log-every-seconds is {LogEverySeconds}; it must be ≥ 0.", "log-every-seconds");
        if (Threads is < 1 or > 1024) throw new ArgumentException($"--threads is {Threads}; it must be between 1 and 1024.", "threads");
    }

    /// <summary>The plan to run: saved values when resuming, the shipped defaults otherwise, options on top.</summary>
    public StagePlan ResolvePlan(StageKind stage, StagePlan? saved)
    {
        var plan = saved ?? ShippedConfig.Plan(stage);
        plan = plan with
        {
            Steps = Steps ?? plan.Steps,
            Batch = Batch ?? plan.Batch,
            LearningRate = LearningRate ?? plan.LearningRate,
            KlWeight = KlWeight ?? plan.KlWeight,
            UsageWeight = UsageWeight ?? plan.UsageWeight,
            DecoderOnly = DecoderOnly ?? plan.DecoderOnly,
            StraightThrough = StraightThrough ?? plan.StraightThrough,
            Anchor = Anchor is null ? plan.Anchor : Path.GetFullPath(Anchor),
            AnchorWeight = AnchorWeight ?? plan.AnchorWeight,
            HardNegatives = HardNegatives ?? plan.HardNegatives,
            DecodedImages = DecodedImages ?? plan.DecodedImages,
            FaithfulRoundTrips = FaithfulRoundTrips ?? plan.FaithfulRoundTrips,
        };
        // A short run (tests, smoke runs) keeps its warm-up inside the run.
        if (plan.WarmupSteps >= plan.Steps) plan = plan with { WarmupSteps = plan.Steps / 10 };
        plan.Validate();
        return plan;
    }
}
