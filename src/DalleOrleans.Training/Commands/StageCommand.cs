using DalleOrleans.Model;
using DalleOrleans.Training.Checkpointing;
using DalleOrleans.Training.Cli;
using DalleOrleans.Training.Progress;
using DalleOrleans.Training.Setup;
using DalleOrleans.Training.Training;
using TorchSharp;

namespace DalleOrleans.Training.Commands;

/// <summary>`dalle-train dvae|transformer|reranker`: trains one stage, resuming from its last checkpoint.</summary>
public static class StageCommand
{
    /// <param name="stop">Stops the loop after the current step (tests); null listens for Ctrl+C and SIGTERM.</param>
    public static int Run(StageKind stage, StageOptions options, TextWriter output, TextWriter error, StopSignal? stop = null)
    {
        RunFolder run;
        torch.Device device;
        try
        {
            options.Validate();
            TorchThreads.Initialize(options.Threads);
            device = TorchRuntime.ParseDevice(options.Device, "--device");
            run = new RunFolder(options.Run);
        }
        catch (ArgumentException e)
        {
            return ExitCodes.UsageError(error, e);
        }

        // Held from before the state is read until the last checkpoint: a second process on this stage fails here.
        string stem = stage.FileStem();
        using var runLock = RunLock.Acquire(Path.Combine(run.Root, $"{stem}.lock"));
        StageContext context;
        StageState? saved;
        try
        {
            saved = StageCheckpoint.ReadState(run, stage);
            var plan = options.ResolvePlan(stage, saved?.Plan);
            var (config, tokenizer) = RunSetup.Ensure(run, options.ConfigFile, options.VocabCaptions, options.Seed, output);
            context = new StageContext(run, config, tokenizer, device, plan, saved?.Seed ?? options.Seed);
        }
        catch (ArgumentException e)
        {
            return ExitCodes.UsageError(error, e);
        }

        if (saved is not null && saved.Step >= context.Plan.Steps)
        {
            output.WriteLine($"{stem}: already trained ({saved.Step}/{context.Plan.Steps} steps) in {run.Root}; nothing to do (pass a larger --steps to train on).");
            return ExitCodes.Ok;
        }

        using var trainer = StageTrainers.Create(stage, context, output);
        string? initPath = saved is null && options.Init is not null ? Path.Combine(Path.GetFullPath(options.Init), $"{stem}.safetensors") : null;
        if (initPath is not null)
        {
            if (!File.Exists(initPath))
            {
                error.WriteLine($"error: --init '{options.Init}' holds no {stem}.safetensors; give a model or run folder with this stage's weights.");
                return ExitCodes.Usage;
            }
            Model.Checkpoints.CheckpointIO.LoadStrict(trainer.Module, initPath);
            output.WriteLine($"{stem}: warm start from {initPath}");
        }
        var state = saved is null
            ? new StageState { Stage = stem, Plan = context.Plan, Seed = context.Seed }
            : StageCheckpoint.Restore(run, stage, saved, trainer.Module, trainer.Optimizer, output) with { Plan = context.Plan };
        state = state with { Sessions = [.. state.Sessions, SessionLine(state.Step, options) + (initPath is null ? "" : $", warm start from {initPath}")] };

        using var ownStop = stop is null ? new StopSignal() : null;
        var signal = stop ?? ownStop!;
        var loop = new StageLoop(stage, context, trainer, state, options, signal);
        var final = ProgressHost.Run(options.Progress, output, stem, TimeSpan.FromSeconds(options.LogEverySeconds), loop.Run);
        return final.IsComplete ? ExitCodes.Ok : ExitCodes.Interrupted;
    }

    static string SessionLine(long step, StageOptions options) =>
        $"{DateTimeOffset.UtcNow:u} from step {step} on {Environment.MachineName} ({Environment.ProcessorCount} cores, {TorchRuntime.Describe()}, device {options.Device})";
}
