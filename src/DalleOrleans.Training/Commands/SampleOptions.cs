using DalleOrleans.Model.Generation;
using DalleOrleans.Training.Cli;

namespace DalleOrleans.Training.Commands;

/// <summary>Options of `dalle-train sample "&lt;prompt&gt;"`.</summary>
public sealed record SampleOptions
{
    public required string Prompt { get; init; }
    public required string Out { get; init; }
    public int Candidates { get; init; } = 8;
    public int Top { get; init; } = 4;
    public long Seed { get; init; }
    public GenerationOptions Generation { get; init; } = new();

    public ImageRequest Request => new(Prompt, Candidates, Top, Seed, Generation.Sampling);

    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Out)) throw new ArgumentException("--out is empty; give a folder for the images.", "out");
        Generation.Validate();
        OptionErrors.Rethrow(() => Request.Validate(int.MaxValue));
    }
}
