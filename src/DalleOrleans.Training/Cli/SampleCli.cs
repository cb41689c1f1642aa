using System.CommandLine;
using DalleOrleans.Training.Commands;

namespace DalleOrleans.Training.Cli;

public static class SampleCli
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var prompt = new Argument<string>("prompt") { Description = "What to draw, e.g. \"a large red circle in the top left on a blue background\"." };
        var candidates = new Option<int>("--candidates") { Description = "Candidates to draw (1..64).", DefaultValueFactory = _ => 8 };
        var top = new Option<int>("--top") { Description = "Best-ranked images to keep (1..candidates).", DefaultValueFactory = _ => 4 };
        var seed = new Option<long>("--seed") { Description = "Seed (0 … 2^53−1); the same seed gives the same images.", DefaultValueFactory = _ => 0 };
        var outFolder = new Option<string>("--out") { Description = "Folder for 1.png … K.png, grid.png and result.json.", Required = true };
        var generation = new GenerationCliOptions();
        var command = new Command("sample", "Generate images for a prompt with the in-process generator and keep the K best-ranked.")
        {
            prompt, candidates, top, seed, outFolder,
        };
        generation.AddTo(command);
        command.SetAction(parse => SampleCommand.Run(new SampleOptions
        {
            Prompt = parse.GetValue(prompt)!,
            Candidates = parse.GetValue(candidates),
            Top = parse.GetValue(top),
            Seed = parse.GetValue(seed),
            Out = parse.GetValue(outFolder)!,
            Generation = generation.Bind(parse),
        }, output, error));
        return command;
    }
}
