using System.CommandLine;
using DalleOrleans.Training.Commands;

namespace DalleOrleans.Training.Cli;

public static class RenderCli
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var caption = new Argument<string>("caption") { Description = "A caption in the shapes grammar, e.g. \"a large red circle on a white background\"." };
        var outFolder = new Option<string>("--out") { Description = "Folder for the PNGs.", DefaultValueFactory = _ => "renders" };
        var count = new Option<int>("--count") { Description = $"Scenes to render (1..{RenderCommand.MaxCount}).", DefaultValueFactory = _ => 4 };
        var seed = CommonOptions.Seed("Seed of the scenes' unnamed attributes and jitter.");
        var command = new Command("render", "Ground truth: render true scenes with every attribute a caption names (the rest at random) as PNGs.")
        {
            caption, outFolder, count, seed,
        };
        command.SetAction(parse => RenderCommand.Run(parse.GetValue(caption)!, parse.GetValue(outFolder)!, parse.GetValue(count), parse.GetValue(seed), output, error));
        return command;
    }
}
