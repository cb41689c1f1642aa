using System.Globalization;
using DalleOrleans.Model.Checkpoints;
using DalleOrleans.Training.Setup;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DalleOrleans.Training.Checkpointing;

/// <summary>
/// Saves and resumes one stage: weights (&lt;stage&gt;.safetensors, step in the metadata), optimiser moments
/// (&lt;stage&gt;.optimizer.&lt;step&gt;.bin) and the state file, in that order, each written atomically.
/// </summary>
/// <remarks>
/// Why this order: the state file is the commit record. A crash before it is written leaves the previous
/// state pointing at the previous optimiser file, which is deleted only after the new state is on disk.
/// If the weights are newer than the state (a crash between the two), resuming trusts the weights' step
/// and restarts the optimiser moments, and says so.
/// </remarks>
public static class StageCheckpoint
{
    public const string StepMetadataKey = "step";

    public static void Save(RunFolder run, StageKind stage, nn.Module module, OptimizerHelper optimizer, StageState state)
    {
        string optimizerName = run.OptimizerFileName(stage, state.Step);
        string optimizerPath = Path.Combine(run.Root, optimizerName);
        AtomicFile.Write(optimizerPath, temp => optimizer.save_state_dict(temp));

        var metadata = new Dictionary<string, string>
        {
            [StepMetadataKey] = state.Step.ToString(CultureInfo.InvariantCulture),
            ["stage"] = stage.FileStem(),
        };
        CheckpointIO.Save(module, run.WeightsPath(stage), metadata);   // atomic (temporary file, then rename)

        AtomicFile.WriteAllText(run.StatePath(stage), (state with { OptimizerFile = optimizerName, UpdatedUtc = DateTimeOffset.UtcNow }).ToJson());
        DeleteOtherOptimizerFiles(run, stage, optimizerName);
    }

    /// <summary>The stage's state file, or null when the stage has not saved a checkpoint yet.</summary>
    public static StageState? ReadState(RunFolder run, StageKind stage) =>
        File.Exists(run.StatePath(stage)) ? StageState.Read(run.StatePath(stage)) : null;

    /// <summary>
    /// Loads the checkpoint that <paramref name="state"/> describes into <paramref name="module"/> (strictly)
    /// and <paramref name="optimizer"/>; returns the state with the step the weights really hold.
    /// </summary>
    public static StageState Restore(RunFolder run, StageKind stage, StageState state, nn.Module module, OptimizerHelper optimizer, TextWriter log)
    {
        string weightsPath = run.WeightsPath(stage);
        if (!File.Exists(weightsPath))
            throw new InvalidDataException($"{run.StatePath(stage)} says step {state.Step}, but {weightsPath} is missing; delete the state file to start the stage over.");

        var metadata = CheckpointIO.LoadStrict(module, weightsPath);
        long weightsStep = metadata.TryGetValue(StepMetadataKey, out var s) && long.TryParse(s, CultureInfo.InvariantCulture, out var parsed) ? parsed : state.Step;

        string? optimizerPath = state.OptimizerFile is null ? null : Path.Combine(run.Root, state.OptimizerFile);
        if (weightsStep != state.Step)
        {
            log.WriteLine($"{stage.FileStem()}: the weights are at step {weightsStep} but the state file at {state.Step} (a save was interrupted); " +
                          $"resuming from step {weightsStep} with fresh optimiser moments.");
            return state with { Step = weightsStep };
        }
        if (optimizerPath is not null && File.Exists(optimizerPath))
            optimizer.load_state_dict(optimizerPath);
        else
            log.WriteLine($"{stage.FileStem()}: no optimiser file for step {state.Step}; resuming with fresh optimiser moments.");
        return state;
    }

    static void DeleteOtherOptimizerFiles(RunFolder run, StageKind stage, string keep)
    {
        foreach (var path in Directory.EnumerateFiles(run.Root, $"{stage.FileStem()}.optimizer.*.bin"))
        {
            if (Path.GetFileName(path) == keep) continue;
            try { File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }
}
