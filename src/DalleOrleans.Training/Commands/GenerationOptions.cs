using DalleOrleans.Model.Sampling;
using DalleOrleans.Training.Cli;
using DalleOrleans.Training.Progress;
using DalleOrleans.Training.Setup;

namespace DalleOrleans.Training.Commands;

/// <summary>What `sample` and `eval` share: the model folder, sampling, and how to run libtorch.</summary>
public sealed record GenerationOptions
{
    public string Model { get; init; } = Path.Combine("models", ShippedConfig.ModelId);
    public double Temperature { get; init; } = ShippedConfig.Sampling.Temperature;
    public int TopK { get; init; } = ShippedConfig.Sampling.TopK;
    public double TopP { get; init; } = ShippedConfig.Sampling.TopP;
    public double Guidance { get; init; } = ShippedConfig.Sampling.GuidanceScale;
    public string Device { get; init; } = "cpu";
    public int? Threads { get; init; }
    public ProgressMode Progress { get; init; } = ProgressMode.Auto;

    public SamplingOptions Sampling => new(Temperature, TopK, TopP, Guidance);

    /// <summary>Checks what can be checked before the model is loaded (top-k's upper limit needs the model).</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Model)) throw new ArgumentException("--model is empty; give a model folder.", "model");
        if (Threads is < 1 or > 1024) throw new ArgumentException($"--threads is {Threads}; it must be between 1 and 1024.", "threads");
        OptionErrors.Rethrow(() => Sampling.Validate(int.MaxValue));
    }
}
