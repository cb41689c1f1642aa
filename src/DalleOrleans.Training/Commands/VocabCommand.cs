using DalleOrleans.Training.Cli;
using DalleOrleans.Training.Setup;

namespace DalleOrleans.Training.Commands;

/// <summary>`dalle-train vocab`: builds the run's vocab.json from training captions and writes its config.json (the first stage does this too).</summary>
public static class VocabCommand
{
    public static int Run(string runFolder, string? configFile, int captions, int seed, TextWriter output, TextWriter error)
    {
        try
        {
            if (captions < 1) throw new ArgumentException($"--captions is {captions}; it must be at least 1.", "captions");
            if (seed < 0) throw new ArgumentException($"--seed is {seed}; it must be ≥ 0.", "seed");
            var run = new RunFolder(runFolder);
            var (config, tokenizer) = RunSetup.Ensure(run, configFile, captions, seed, output);
            output.WriteLine($"{run.VocabPath}: {tokenizer.VocabSize} ids, max length {tokenizer.MaxLength}; {run.ConfigPath}: model '{config.ModelId}'.");
            return ExitCodes.Ok;
        }
        catch (ArgumentException e)
        {
            return ExitCodes.UsageError(error, e);
        }
    }
}
