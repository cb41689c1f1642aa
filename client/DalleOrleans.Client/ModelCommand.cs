using System.CommandLine;
using DalleOrleans.Model;
using Spectre.Console;

namespace DalleOrleans.Client;

/// <summary>`dalle model tiny --out DIR`: writes a randomly initialised tiny model, for smoke-testing deployments without the shipped one.</summary>
public static class ModelCommand
{
    public static Command Create()
    {
        var outDir = new Option<string>("--out") { Description = "Folder to write the model to.", Required = true };
        var seed = new Option<long>("--seed") { Description = "Weight seed.", DefaultValueFactory = _ => 1 };
        var tiny = new Command("tiny", "Write a randomly initialised tiny model (16×16 images) for smoke tests.") { outDir, seed };
        tiny.SetAction(parse =>
        {
            using var model = ModelPresets.CreateTiny(parse.GetValue(seed));
            model.Save(parse.GetValue(outDir)!, fp16: false);
            AnsiConsole.MarkupLineInterpolated($"[green]✓[/] tiny random model '{model.ModelId}' written to {parse.GetValue(outDir)}");
            return 0;
        });
        return new Command("model", "Model utilities.") { tiny };
    }
}
