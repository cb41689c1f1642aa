using DalleOrleans.Model;
using DalleOrleans.Training.Checkpointing;
using DalleOrleans.Training.Cli;
using DalleOrleans.Training.Progress;
using DalleOrleans.Training.Setup;
using DalleOrleans.Training.Training;

namespace DalleOrleans.Training.Commands;

/// <summary>`dalle-train dvae|transformer|reranker`: trains one stage, resuming from its last checkpoint.</summary>
public static class StageCommand
{
    /// <param name="stop">Stops the loop after the current step (tests); null listens for Ctrl+C and SIGTERM.</param>
    public static int Run(StageKind stage, StageOptions options, TextWriter output, TextWriter error, StopSignal? stop = null)
    {
        RunFolder run;
        StageContext context;
        StageState? saved;
        StagePlan plan;
        try
        {
            options.Validate();
            TorchThreads.Initialize(options.Threads);
            var device = TorchRuntime.ParseDevice(options.Device, "--device");
            run = new RunFolder(options.Run);
            Directory.CreateDirectory(run.Root);
            saved = StageCheckpoint.ReadState(run, stage);
            plan = options.ResolvePlan(stage, saved?.Plan);
            var (config, tokenizer) = RunSetup.Ensure(run, options.ConfigFile, options.VocabCaptions, options.Seed, output);
            context = new StageContext(run, config, tokenizer, device, plan, saved?.Seed ?? options.Seed);
        }
        catch (ArgumentException e)
        {
            return ExitCodes.UsageError(error, e);
        }

        string stem = stage.FileStem();
        if (saved is not null && saved.Step >= plan.Steps)
        {
            output.WriteLine($"{stem}: already trained ({saved.Step}/{plan.Steps} steps) in {run.Root}; nothing to do (pass a larger --steps to train on).");
            return ExitCodes.Ok;
        }

        using var runLock = RunLock.Acquire(Path.Combine(run.Root, $"{stem}.lock"));
        using var trainer = StageTrainers.Create(stage, context, output);
        var state = saved is null
            ? new StageState { Stage = stem, Plan = plan, Seed = context.Seed }
            : StageCheckpoint.Restore(run, stage, saved, trainer.Module, trainer.Optimizer, output) with { Plan = plan };
        state = state with { Sessions = [.. state.Sessions, SessionLine(state.Step, options)] };

        using var ownStop = stop is null ? new StopSignal() : null;
        var signal = stop ?? ownStop!;
        var loop = new StageLoop(stage, context, trainer, state, options, signal);
        var final = ProgressHost.Run(options.Progress, output, stem, TimeSpan.FromSeconds(options.LogEverySeconds), loop.Run);
        return final.IsComplete ? ExitCodes.Ok : ExitCodes.Interrupted;
    }

    static string SessionLine(long step, StageOptions options) =>
        $"{DateTimeOffset.UtcNow:u} from step {step} on {Environment.MachineName} ({Environment.ProcessorCount} cores, {TorchRuntime.Describe()}, device {options.Device})";
}
