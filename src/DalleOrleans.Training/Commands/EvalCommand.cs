using DalleOrleans.Training.Checkpointing;
using DalleOrleans.Training.Cli;
using DalleOrleans.Training.Evaluation;
using DalleOrleans.Training.Progress;

namespace DalleOrleans.Training.Commands;

/// <summary>`dalle-train eval`: runs the <see cref="Evaluator"/>, prints the accuracy table and writes EVALUATION.md.</summary>
public static class EvalCommand
{
    public static int Run(EvalOptions options, TextWriter output, TextWriter error)
    {
        try
        {
            options.Validate();
        }
        catch (ArgumentException e)
        {
            return ExitCodes.UsageError(error, e);
        }

        using var model = ModelLoading.TryLoad(options.Generation, error, out int loadExit);
        if (model is null) return loadExit;
        try
        {
            OptionErrors.Rethrow(() => options.Generation.Sampling.Validate(model.Config.Transformer.ImageVocabSize));
        }
        catch (ArgumentException e)
        {
            return ExitCodes.UsageError(error, e);
        }

        var result = ProgressHost.Run(options.Generation.Progress, output, "eval", TimeSpan.FromSeconds(30),
            progress => Evaluator.Run(model, options, progress));
        string report = EvaluationReport.Markdown(result, options);
        AtomicFile.WriteAllText(options.ReportPath, report);

        output.WriteLine();
        output.Write(EvaluationReport.AccuracyTable(result));
        output.WriteLine();
        foreach (var p in result.Psnr)
            output.WriteLine($"dVAE PSNR ({p.Split}): {p.MeanDb:F2} dB mean over {p.Images} fresh images (worst {p.MinDb:F2} dB; {p.CodesUsed} codes used; " +
                             $"worst flat-region colour error {p.WorstColorLevels:F1}/255; {100 * p.FlatPixelsOff:F2} % of flat pixels > 24/255 off)");
        foreach (var split in new[] { Shapes.Split.Train, Shapes.Split.HeldOut })
            output.WriteLine($"{split}: judge on true renders {result.OutcomePercent(split, o => o.TrueRenderMatch):F1} %, ceiling {result.OutcomePercent(split, o => o.RoundTripMatch):F1} %, " +
                             $"best-of-{options.Candidates} {result.OutcomePercent(split, o => o.BestOfN):F1} %, named-colour pixel share of top-1 {result.MeanColorShare(split, o => o.Top1ColorShare):F1} %");
        output.WriteLine($"reranking gain over a random candidate: {result.RerankingGainPoints():+0.0;-0.0;0.0} points (full match)");
        output.WriteLine($"report → {Path.GetFullPath(options.ReportPath)}");
        return ExitCodes.Ok;
    }
}
