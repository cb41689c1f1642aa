using System.Text.Json;
using System.Text.Json.Serialization;
using DalleOrleans.Training.Setup;

namespace DalleOrleans.Training.Checkpointing;

/// <summary>
/// &lt;stage&gt;.state.json: where a stage stands. Written last, after the weights and the optimiser file, so
/// it always describes files that are complete on disk.
/// </summary>
public sealed record StageState
{
    public const string CurrentFormat = "dalle-train-stage-v1";

    public string Format { get; init; } = CurrentFormat;
    public string Stage { get; init; } = "";
    /// <summary>Optimiser steps done; the weights file carries the same number in its metadata.</summary>
    public long Step { get; init; }
    public StagePlan Plan { get; init; } = new(1, 1, 1e-3);
    public int Seed { get; init; }
    public long SamplesSeen { get; init; }
    /// <summary>Seconds spent training, summed over every session of this stage (resumes included).</summary>
    public double TrainSeconds { get; init; }
    /// <summary>The optimiser's state file (moments), relative to the run folder; null when it was not saved.</summary>
    public string? OptimizerFile { get; init; }
    /// <summary>Smoothed metrics at the last checkpoint (loss first).</summary>
    public Dictionary<string, double> Metrics { get; init; } = new();
    /// <summary>One line per session: when it started, from which step, on which machine.</summary>
    public List<string> Sessions { get; init; } = new();
    public DateTimeOffset UpdatedUtc { get; init; }

    [JsonIgnore] public bool IsComplete => Step >= Plan.Steps;

    static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static StageState Read(string path)
    {
        try
        {
            var state = JsonSerializer.Deserialize<StageState>(File.ReadAllText(path), Json)
                        ?? throw new InvalidDataException($"{path}: empty stage state.");
            if (state.Format != CurrentFormat)
                throw new InvalidDataException($"{path}: format is '{state.Format}'; this build reads '{CurrentFormat}'.");
            return state;
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not a valid stage state: {e.Message}", e);
        }
    }
}
