using System.CommandLine;
using DalleOrleans.Training.Commands;
using DalleOrleans.Training.Setup;
using DalleOrleans.Training.Training;

namespace DalleOrleans.Training.Cli;

/// <summary>The `dvae`, `transformer` and `reranker` commands: the same options, one stage each.</summary>
public static class StageCli
{
    public static Command Create(StageKind stage, TextWriter output, TextWriter error)
    {
        var plan = ShippedConfig.Plan(stage);
        var run = CommonOptions.Run();
        var steps = new Option<long?>("--steps") { Description = $"Optimiser steps in all (default {plan.Steps}, or the saved plan's when resuming)." };
        var batch = new Option<int?>("--batch") { Description = $"Samples per step (default {plan.Batch})." };
        var lr = new Option<double?>("--lr") { Description = $"Peak learning rate (default {plan.LearningRate})." };
        var klWeight = new Option<double?>("--kl-weight") { Description = $"dVAE only: final KL weight β (default {ShippedConfig.Plan(StageKind.Dvae).KlWeight})." };
        var usageWeight = new Option<double?>("--usage-weight") { Description = $"dVAE only: weight of the code-usage term (default {ShippedConfig.Plan(StageKind.Dvae).UsageWeight})." };
        var decoderOnly = new Option<bool?>("--decoder-only") { Description = "dVAE only: freeze the encoder (its codes stay valid) and train the decoder on its hard argmax codes." };
        var straightThrough = new Option<bool?>("--straight-through") { Description = "dVAE only: train encoder and decoder on hard argmax codes (straight-through gradient)." };
        var anchor = new Option<string?>("--anchor") { Description = "dVAE only, with --straight-through: a model or run folder whose dvae's codes the encoder is pulled towards (keeps a transformer's tokens mostly valid)." };
        var anchorWeight = new Option<double?>("--anchor-weight") { Description = "dVAE only: weight of the pull towards the --anchor codes (cross-entropy, nats per cell)." };
        var hardNegatives = new Option<bool?>("--hard-negatives") { Description = "Reranker only: each caption also scores its own scene with the kind or a named colour swapped." };
        var decodedImages = new Option<bool?>("--decoded-images") { Description = "Reranker only: train on images passed through the run's dVAE (needs <run>/dvae.safetensors)." };
        var faithfulRoundTrips = new Option<bool?>("--faithful-round-trips") { Description = "Reranker only, with --decoded-images: a caption trains on its round trip only when the attribute judge reads the caption back from it (and not from its hard negative's); otherwise on the clean renders." };
        var init = new Option<string?>("--init") { Description = "Warm start a new stage from <folder>/<stage>.safetensors (a model folder such as models/shapes-v2, or a run folder); ignored when resuming." };
        var seed = CommonOptions.Seed("Seed of the data stream and the initial weights (a resumed stage keeps its own).");
        var config = CommonOptions.Config();
        var checkpointEvery = new Option<double>("--checkpoint-every-minutes") { Description = "Minutes between checkpoints.", DefaultValueFactory = _ => 5 };
        var samplesEvery = new Option<long?>("--samples-every")
        {
            Description = $"Steps between sample grids in <run>/samples (default {StageOptions.DefaultSamplesEvery(stage)}; 0 = none).",
        };
        var vocabCaptions = new Option<int>("--vocab-captions")
        {
            Description = "Training captions the vocabulary is built from (new runs only).",
            DefaultValueFactory = _ => ShippedConfig.VocabularyCaptions,
        };
        var progress = CommonOptions.Progress();
        var logEvery = new Option<double>("--log-every-seconds") { Description = "Seconds between plain log lines.", DefaultValueFactory = _ => 30 };
        var device = CommonOptions.Device();
        var threads = CommonOptions.Threads();

        var command = new Command(stage.FileStem(), Description(stage))
        {
            run, steps, batch, lr, init, seed, config, checkpointEvery, samplesEvery, vocabCaptions, progress, logEvery, device, threads,
        };
        if (stage == StageKind.Dvae) { command.Options.Add(klWeight); command.Options.Add(usageWeight); command.Options.Add(decoderOnly); command.Options.Add(straightThrough); command.Options.Add(anchor); command.Options.Add(anchorWeight); }
        if (stage == StageKind.Reranker) { command.Options.Add(hardNegatives); command.Options.Add(decodedImages); command.Options.Add(faithfulRoundTrips); }
        command.SetAction(parse => StageCommand.Run(stage, new StageOptions
        {
            Run = parse.GetValue(run)!,
            Steps = parse.GetValue(steps),
            Batch = parse.GetValue(batch),
            LearningRate = parse.GetValue(lr),
            KlWeight = stage == StageKind.Dvae ? parse.GetValue(klWeight) : null,
            UsageWeight = stage == StageKind.Dvae ? parse.GetValue(usageWeight) : null,
            DecoderOnly = stage == StageKind.Dvae ? parse.GetValue(decoderOnly) : null,
            StraightThrough = stage == StageKind.Dvae ? parse.GetValue(straightThrough) : null,
            Anchor = stage == StageKind.Dvae ? parse.GetValue(anchor) : null,
            AnchorWeight = stage == StageKind.Dvae ? parse.GetValue(anchorWeight) : null,
            HardNegatives = stage == StageKind.Reranker ? parse.GetValue(hardNegatives) : null,
            DecodedImages = stage == StageKind.Reranker ? parse.GetValue(decodedImages) : null,
            FaithfulRoundTrips = stage == StageKind.Reranker ? parse.GetValue(faithfulRoundTrips) : null,
            Init = parse.GetValue(init),
            Seed = parse.GetValue(seed),
            ConfigFile = parse.GetValue(config),
            CheckpointEveryMinutes = parse.GetValue(checkpointEvery),
            SamplesEvery = parse.GetValue(samplesEvery),
            VocabCaptions = parse.GetValue(vocabCaptions),
            Progress = parse.GetValue(progress),
            LogEverySeconds = parse.GetValue(logEvery),
            Device = parse.GetValue(device)!,
            Threads = parse.GetValue(threads),
        }, output, error));
        return command;
    }

    static string Description(StageKind stage) => stage switch
    {
        StageKind.Dvae => "Stage 1: train the discrete VAE on rendered training images (resumes from <run>/dvae.safetensors).",
        StageKind.Transformer => "Stage 2: train the transformer on captions and dVAE tokens (needs the dVAE; resumes from <run>/transformer.safetensors).",
        _ => "Stage 3: train the contrastive reranker on (caption, image) pairs (resumes from <run>/reranker.safetensors).",
    };
}
