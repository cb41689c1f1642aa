using DalleOrleans.Model;
using DalleOrleans.Model.Dvae;
using DalleOrleans.Model.Reranker;
using DalleOrleans.Model.Sampling;
using DalleOrleans.Model.Transformer;

namespace DalleOrleans.Training.Setup;

/// <summary>
/// The one place that says what the shipped model ("shapes-v2") is and how it is trained. Its sizes are
/// shapes-v1's; since 2026-12-02 its dVAE and transformer are trained from scratch (a gumbel phase, then hard codes;
/// dense attention), models/shapes-v2/TRAINING.md lists the exact commands. Running the stage commands with no
/// options trains a model of these sizes; src/DalleOrleans.Training/README.md records the throughput measurements
/// behind the sizes.
/// </summary>
public static class ShippedConfig
{
    public const string ModelId = "shapes-v2";

    /// <summary>
    /// The shipped transformer's layer kinds: dense attention in every layer. The paper's row, column and convolutional
    /// masks (<see cref="TransformerConfig.DefaultPattern"/>, pinned by AttentionMaskTests) exist to save compute at 1,280
    /// positions; at this model's 96 positions they save nothing and only remove context, and a from-scratch run here
    /// gets about an hour of CPU, so nothing it could learn is masked away (models/shapes-v2/TRAINING.md).
    /// </summary>
    public static AttentionKind[] ShippedAttention =>
        [AttentionKind.Dense, AttentionKind.Dense, AttentionKind.Dense, AttentionKind.Dense, AttentionKind.Dense, AttentionKind.Dense];

    /// <summary>Text context in tokens: the longest grammar caption is about 20 BPE tokens.</summary>
    public const int TextLength = 32;

    /// <summary>Training captions drawn to build the compact vocabulary (every grammar word shows up many times).</summary>
    public const int VocabularyCaptions = 50_000;

    /// <summary>Where runs live by default: outside the repository, so checkpoints never get committed by accident.</summary>
    public static string DefaultRunFolder =>
        Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), "dalle-runs", ModelId);

    /// <summary>The shipped model's sizes; the text vocabulary size comes from the tokenizer built for the run.</summary>
    public static ModelConfig Model(int textVocabSize = 128) => new()
    {
        ModelId = ModelId,
        Dvae = new DvaeConfig
        {
            // Width 16, not the library's 32: half the cost per image, and in short CPU runs the reconstruction
            // plateau came from codebook collapse, not width (README.md, "dVAE").
            ImageSize = 64, Channels = 3, CodebookSize = 512, HiddenWidth = 16, BlocksPerGroup = 1, Groups = 4, DecoderInputWidth = 128,
        },
        Transformer = new TransformerConfig
        {
            TextVocabSize = textVocabSize, TextLength = TextLength, ImageVocabSize = 512, GridSize = 8,
            // 192×6 (2.9 M parameters): about the compute-optimal size for the ~3·10^14 FLOPs the transformer gets in
            // its hour of CPU, and deep enough for the paper's row, column and convolutional layers to mix the grid.
            ModelDim = 192, Heads = 6, Layers = 6, MlpRatio = 4, Attention = ShippedAttention, ConvKernel = 3,
        },
        Reranker = new RerankerConfig
        {
            TextVocabSize = textVocabSize, TextLength = TextLength, EmbedDim = 128, TextWidth = 128, TextLayers = 2, TextHeads = 4,
            ImageSize = 64, ImageWidth = 16, ImageStages = 3, ImageNormGroups = 8,
        },
    };

    /// <summary>Default plan per stage (see <see cref="StagePlan"/>).</summary>
    public static StagePlan Plan(StageKind stage) => stage switch
    {
        // β 0.5, not the paper's 6.6: over a 3M-step run a strong pull to a uniform posterior spreads codebook use, but in
        // a few thousand CPU steps it kept q(z|x) near-uniform (codes drawn almost at random, 11–15 dB). The code-usage
        // term does the spreading instead (README.md, "dVAE"); lr 2e-3 reached the best PSNR of the short runs.
        StageKind.Dvae => new StagePlan(Steps: 3000, Batch: 32, LearningRate: 2e-3, MinLearningRateRatio: 0.1, WeightDecay: 1e-4,
            KlWeight: 0.5, UsageWeight: 3.0),
        StageKind.Transformer => new StagePlan(Steps: 4000, Batch: 32, LearningRate: 1e-3, WarmupSteps: 200,
            MinLearningRateRatio: 0.1, WeightDecay: 0.01, CaptionDropout: 0.1),
        StageKind.Reranker => new StagePlan(Steps: 1500, Batch: 64, LearningRate: 5e-4, WarmupSteps: 100,
            MinLearningRateRatio: 0.1, WeightDecay: 0.01),
        _ => throw new ArgumentOutOfRangeException(nameof(stage), stage, null),
    };

    /// <summary>Sampling used by `sample` and `eval` unless options override it: the service's defaults (guidance 2, see
    /// GenerationRequest.DefaultGuidanceScale), so that the evaluation judges what users get.</summary>
    public static SamplingOptions Sampling { get; } = new(Temperature: 1.0, TopK: 0, TopP: 1.0, GuidanceScale: 2.0);

    /// <summary>
    /// The dVAE's annealing for a plan: the proportions of <see cref="DvaeSchedule"/>'s defaults (τ reaches 1/16
    /// at ¾ of the run, β its final value in the first sixteenth, the step size falls to
    /// <see cref="StagePlan.MinLearningRateRatio"/> of its start over the whole run), scaled to the run's length.
    /// </summary>
    public static DvaeSchedule DvaeSchedule(StagePlan plan) => new()
    {
        StartTemperature = 1.0,
        FinalTemperature = 1.0 / 16.0,
        TemperatureSteps = Math.Max(1, plan.Steps * 3 / 4),
        FinalKlWeight = plan.KlWeight,
        CodeUsageWeight = plan.UsageWeight,
        KlWarmupSteps = Math.Max(1, plan.Steps / 16),
        StartLearningRate = plan.LearningRate,
        FinalLearningRate = plan.LearningRate * Math.Max(plan.MinLearningRateRatio, 1e-6),
        LearningRateSteps = plan.Steps,
    };
}
