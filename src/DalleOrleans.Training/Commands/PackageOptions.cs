using DalleOrleans.Training.Setup;

namespace DalleOrleans.Training.Commands;

/// <summary>Options of `dalle-train package`.</summary>
public sealed record PackageOptions
{
    public string Run { get; init; } = ShippedConfig.DefaultRunFolder;
    public string Out { get; init; } = Path.Combine("models", ShippedConfig.ModelId);
    /// <summary>Store weights as float16 (half the size; they load back as float32).</summary>
    public bool Fp16 { get; init; } = true;
    /// <summary>The bundle's size limit (the shipped checkpoint must stay small enough to commit).</summary>
    public double MaxMegabytes { get; init; } = 25;
    /// <summary>Package stages that have not reached the end of their plan (for smoke tests of the pipeline).</summary>
    public bool AllowIncomplete { get; init; }
    /// <summary>
    /// A model folder whose stages this run did not train (no state file) are packaged unchanged: a warm-started run that
    /// trains only the transformer ships the previous dVAE and reranker. The run's copy, if any, must match byte for byte.
    /// </summary>
    public string? Inherit { get; init; }

    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Run)) throw new ArgumentException("--run is empty; give the run folder to package.", "run");
        if (string.IsNullOrWhiteSpace(Out)) throw new ArgumentException("--out is empty; give the model folder to write.", "out");
        if (!double.IsFinite(MaxMegabytes) || MaxMegabytes <= 0 || MaxMegabytes > 100_000)
            throw new ArgumentException($"--max-mb is {MaxMegabytes}; it must be a number in (0, 100000].", "max-mb");
        if (Inherit is not null && !Directory.Exists(Inherit))
            throw new ArgumentException($"--inherit: the model folder '{Inherit}' does not exist.", "inherit");
    }
}
