using DalleOrleans.Training.Data;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DalleOrleans.Training.Training;

/// <summary>
/// One stage's model, optimiser and step. The runner owns the loop, checkpoints and progress; a trainer only
/// knows how to take one step on a batch and how to draw a preview.
/// </summary>
public interface IStageTrainer : IDisposable
{
    /// <summary>The module whose state dict is the stage's checkpoint.</summary>
    nn.Module Module { get; }

    OptimizerHelper Optimizer { get; }

    /// <summary>Whether batches need tokenized captions.</summary>
    bool ReadsText { get; }

    /// <summary>One optimiser step at <paramref name="step"/> (0-based); runs inside the caller's dispose scope. Metrics: loss first.</summary>
    IReadOnlyList<KeyValuePair<string, double>> Step(TrainingBatch batch, long step);

    /// <summary>Writes a PNG sample grid to <paramref name="path"/>; returns a short note for the log.</summary>
    string WritePreview(string path, long step);
}
