using System.CommandLine;
using DalleOrleans.Training.Commands;
using DalleOrleans.Training.Setup;

namespace DalleOrleans.Training.Cli;

public static class PackageCli
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var run = CommonOptions.Run();
        var outFolder = new Option<string>("--out") { Description = "Model folder to write.", DefaultValueFactory = _ => Path.Combine("models", ShippedConfig.ModelId) };
        var fp16 = new Option<bool>("--fp16") { Description = "Store weights as float16 (default true; --fp16 false keeps float32).", DefaultValueFactory = _ => true };
        var maxMb = new Option<double>("--max-mb") { Description = "Size limit of the bundle in MiB.", DefaultValueFactory = _ => 25 };
        var allowIncomplete = new Option<bool>("--allow-incomplete") { Description = "Package stages that have not finished their plan." };
        var inherit = new Option<string?>("--inherit") { Description = "Model folder whose weights are shipped unchanged for the stages this run did not train (e.g. models/shapes-v2 after a transformer-only warm start)." };
        var command = new Command("package", "Assemble a finished run into a model folder (config, vocabulary, three safetensors), check its size, load it back, write TRAINING.md.")
        {
            run, outFolder, fp16, maxMb, allowIncomplete, inherit,
        };
        command.SetAction(parse => PackageCommand.Run(new PackageOptions
        {
            Run = parse.GetValue(run)!,
            Out = parse.GetValue(outFolder)!,
            Fp16 = parse.GetValue(fp16),
            MaxMegabytes = parse.GetValue(maxMb),
            AllowIncomplete = parse.GetValue(allowIncomplete),
            Inherit = parse.GetValue(inherit),
        }, output, error));
        return command;
    }
}
