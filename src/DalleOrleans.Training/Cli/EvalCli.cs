using System.CommandLine;
using DalleOrleans.Training.Commands;

namespace DalleOrleans.Training.Cli;

public static class EvalCli
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var candidates = new Option<int>("--candidates") { Description = "Candidates per caption.", DefaultValueFactory = _ => 8 };
        var outPath = new Option<string?>("--out") { Description = "Report path (default: <model>/EVALUATION.md)." };
        var seed = new Option<int>("--seed") { Description = "Seed of the candidates and the random picks.", DefaultValueFactory = _ => 0 };
        var limit = new Option<int?>("--limit") { Description = "Only the first N captions of each list (quick checks)." };
        var captions = new Option<int>("--captions") { Description = "Captions per list: the fixed 32, then captions drawn from the grammar with --seed.", DefaultValueFactory = _ => Shapes.EvaluationCaptions.DefaultCount };
        var psnrImages = new Option<int>("--psnr-images") { Description = "Fresh images per split for the dVAE PSNR.", DefaultValueFactory = _ => 256 };
        var generation = new GenerationCliOptions();
        var command = new Command("eval", "Judge the reranked top-1, a random candidate and best-of-N for the seen and held-out evaluation captions; the ceiling; dVAE PSNR and colour fidelity; writes EVALUATION.md.")
        {
            candidates, outPath, seed, limit, captions, psnrImages,
        };
        generation.AddTo(command);
        command.SetAction(parse => EvalCommand.Run(new EvalOptions
        {
            Candidates = parse.GetValue(candidates),
            Out = parse.GetValue(outPath),
            Seed = parse.GetValue(seed),
            Limit = parse.GetValue(limit),
            Captions = parse.GetValue(captions),
            PsnrImages = parse.GetValue(psnrImages),
            Generation = generation.Bind(parse),
        }, output, error));
        return command;
    }
}
