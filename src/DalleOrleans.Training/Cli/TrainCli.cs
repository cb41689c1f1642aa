using System.CommandLine;
using DalleOrleans.Model.Checkpoints;
using DalleOrleans.Training.Setup;

namespace DalleOrleans.Training.Cli;

/// <summary>
/// The dalle-train command line. Tests call <see cref="Invoke"/> in-process with their own writers; every
/// command's work lives in a static Run method of Commands/, so this file only maps options to them.
/// </summary>
public static class TrainCli
{
    public static RootCommand Build(TextWriter output, TextWriter error) => new("DALL·E shapes model: train (dvae → transformer → reranker), package, sample, evaluate and render ground truth.")
    {
        VocabCli.Create(output, error),
        StageCli.Create(StageKind.Dvae, output, error),
        StageCli.Create(StageKind.Transformer, output, error),
        StageCli.Create(StageKind.Reranker, output, error),
        PackageCli.Create(output, error),
        SampleCli.Create(output, error),
        EvalCli.Create(output, error),
        RenderCli.Create(output, error),
        BenchCli.Create(output, error),
    };

    /// <summary>Parses and runs; parse errors (unknown option, malformed value) exit with <see cref="ExitCodes.Usage"/>.</summary>
    public static int Invoke(string[] args, TextWriter output, TextWriter error)
    {
        var parse = Build(output, error).Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var e in parse.Errors) error.WriteLine($"error: {e.Message}");
            error.WriteLine("See 'dalle-train --help' or 'dalle-train <command> --help'.");
            return ExitCodes.Usage;
        }
        try
        {
            return parse.Invoke(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false });
        }
        catch (Exception e) when (e is InvalidOperationException or InvalidDataException or IOException or CheckpointException or UnauthorizedAccessException)
        {
            // Expected failures (a missing stage, a damaged file, a locked run): their messages say what to do.
            error.WriteLine($"error: {e.Message}");
            return ExitCodes.Failed;
        }
    }
}
