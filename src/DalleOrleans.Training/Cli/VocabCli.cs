using System.CommandLine;
using DalleOrleans.Training.Commands;
using DalleOrleans.Training.Setup;

namespace DalleOrleans.Training.Cli;

public static class VocabCli
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var run = CommonOptions.Run();
        var config = CommonOptions.Config();
        var captions = new Option<int>("--captions")
        {
            Description = "Training captions to draw (Split.Train only).",
            DefaultValueFactory = _ => ShippedConfig.VocabularyCaptions,
        };
        var seed = CommonOptions.Seed("Seed of the caption stream.");
        var command = new Command("vocab", "Build the run's vocab.json from training captions and write its config.json (the first stage does this by itself).")
        {
            run, config, captions, seed,
        };
        command.SetAction(parse => VocabCommand.Run(parse.GetValue(run)!, parse.GetValue(config), parse.GetValue(captions), parse.GetValue(seed), output, error));
        return command;
    }
}
