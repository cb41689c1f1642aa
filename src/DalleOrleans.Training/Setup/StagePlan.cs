namespace DalleOrleans.Training.Setup;

/// <summary>
/// How long and how hard one stage trains: the numbers a stage command uses when no option overrides them.
/// A stage's state file records the plan it ran with, so a resumed run keeps its schedule.
/// </summary>
/// <param name="Steps">Optimiser steps in total (the schedule's length).</param>
/// <param name="Batch">Samples per step.</param>
/// <param name="LearningRate">Peak step size (the dVAE: its schedule's start; it ends at a tenth of it).</param>
/// <param name="WarmupSteps">Linear warm-up before the cosine decay (transformer and reranker).</param>
/// <param name="MinLearningRateRatio">Where the cosine decay ends, as a fraction of the peak.</param>
/// <param name="WeightDecay">AdamW's decoupled weight decay, applied to matrices only.</param>
/// <param name="CaptionDropout">Share of captions replaced by the empty caption (transformer: the unconditional model for guidance).</param>
/// <param name="KlWeight">dVAE only: the final KL weight β of its annealing schedule.</param>
/// <param name="UsageWeight">dVAE only: weight of the code-usage term that keeps the codebook from collapsing.</param>
/// <param name="HardNegatives">Reranker only: each caption also scores its scene with the kind or a named colour swapped, as an extra negative.</param>
/// <param name="DecodedImages">Reranker only: train on images passed through the run's dVAE (encode, decode), which look like what it ranks when serving.</param>
/// <param name="FaithfulRoundTrips">Reranker only, with DecodedImages: a caption keeps its decoded image (and hard negative) only when the <see cref="Shapes.AttributeJudge"/> reads the caption's attributes back from it and not from the decoded negative; otherwise the step uses the clean renders (<see cref="Training.FaithfulRoundTrips"/>).</param>
/// <param name="StraightThrough">dVAE only: train encoder and decoder on hard argmax codes with the straight-through gradient (<see cref="Model.Dvae.DiscreteVae.StraightThroughLoss"/>).</param>
/// <param name="Anchor">dVAE only, with StraightThrough: a model or run folder whose dvae.safetensors gives the codes to stay near.</param>
/// <param name="AnchorWeight">dVAE only: weight of the anchor's cross-entropy.</param>
/// <param name="DecoderOnly">dVAE only: freeze the encoder and train the decoder on its hard (argmax) codes (<see cref="Model.Dvae.DiscreteVae.HardCodeLoss"/>).</param>
public sealed record StagePlan(
    long Steps,
    int Batch,
    double LearningRate,
    long WarmupSteps = 0,
    double MinLearningRateRatio = 0.1,
    double WeightDecay = 0.0,
    double CaptionDropout = 0.0,
    double KlWeight = 0.0,
    double UsageWeight = 0.0,
    bool DecoderOnly = false,
    bool HardNegatives = false,
    bool DecodedImages = false,
    bool FaithfulRoundTrips = false,
    bool StraightThrough = false,
    string? Anchor = null,
    double AnchorWeight = 0.0)
{
    public const long MaxSteps = 100_000_000;
    public const int MaxBatch = 4096;

    /// <summary>Throws <see cref="ArgumentException"/> naming the command-line option that is out of range.</summary>
    public void Validate()
    {
        if (Steps is < 1 or > MaxSteps) throw new ArgumentException($"--steps is {Steps}; it must be between 1 and {MaxSteps}.", "steps");
        if (Batch is < 1 or > MaxBatch) throw new ArgumentException($"--batch is {Batch}; it must be between 1 and {MaxBatch}.", "batch");
        if (!double.IsFinite(LearningRate) || LearningRate <= 0 || LearningRate > 1)
            throw new ArgumentException($"--lr is {LearningRate}; it must be a number in (0, 1].", "lr");
        if (WarmupSteps < 0) throw new ArgumentException($"warmup steps is {WarmupSteps}; it must be ≥ 0.", "warmup");
        if (!(MinLearningRateRatio is >= 0 and <= 1)) throw new ArgumentException($"min learning-rate ratio is {MinLearningRateRatio}; it must be in [0, 1].", "minLrRatio");
        if (!(WeightDecay is >= 0 and < 1)) throw new ArgumentException($"weight decay is {WeightDecay}; it must be in [0, 1).", "weightDecay");
        if (!(CaptionDropout is >= 0 and < 1)) throw new ArgumentException($"caption dropout is {CaptionDropout}; it must be in [0, 1).", "captionDropout");
        if (!double.IsFinite(KlWeight) || KlWeight < 0 || KlWeight > 1000) throw new ArgumentException($"--kl-weight is {KlWeight}; it must be in [0, 1000].", "kl-weight");
        if (!double.IsFinite(AnchorWeight) || AnchorWeight < 0 || AnchorWeight > 1000) throw new ArgumentException($"--anchor-weight is {AnchorWeight}; it must be in [0, 1000].", "anchor-weight");
        if (DecoderOnly && StraightThrough) throw new ArgumentException("--decoder-only and --straight-through exclude each other: the first freezes the encoder, the second trains it.", "straight-through");
        if (FaithfulRoundTrips && !DecodedImages) throw new ArgumentException("--faithful-round-trips true needs --decoded-images true: it chooses among the dVAE's round trips.", "faithful-round-trips");
        if (!double.IsFinite(UsageWeight) || UsageWeight < 0 || UsageWeight > 1000) throw new ArgumentException($"--usage-weight is {UsageWeight}; it must be in [0, 1000].", "usage-weight");
    }
}
