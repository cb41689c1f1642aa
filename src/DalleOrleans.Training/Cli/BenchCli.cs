using System.CommandLine;
using DalleOrleans.Training.Bench;
using DalleOrleans.Training.Setup;

namespace DalleOrleans.Training.Cli;

public static class BenchCli
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var stages = new Option<StageKind[]>("--stages")
        {
            Description = "Stages to time (default: all).",
            AllowMultipleArgumentsPerToken = true,
            DefaultValueFactory = _ => Enum.GetValues<StageKind>(),
        };
        var config = CommonOptions.Config();
        var dim = new Option<int?>("--dim") { Description = "Transformer ModelDim." };
        var layers = new Option<int?>("--layers") { Description = "Transformer layers (attention pattern: the paper's)." };
        var heads = new Option<int?>("--heads") { Description = "Transformer heads." };
        var dvaeWidth = new Option<int?>("--dvae-width") { Description = "dVAE HiddenWidth." };
        var codebook = new Option<int?>("--codebook") { Description = "dVAE codebook size (= transformer image vocabulary)." };
        var rerankerWidth = new Option<int?>("--reranker-width") { Description = "Reranker image encoder width." };
        var batch = new Option<int?>("--batch") { Description = "Batch for every stage (default: each stage's shipped batch)." };
        var steps = new Option<int>("--steps") { Description = "Timed steps per stage.", DefaultValueFactory = _ => 10 };
        var warmup = new Option<int>("--warmup") { Description = "Untimed steps first.", DefaultValueFactory = _ => 3 };
        var threads = CommonOptions.Threads();
        var generation = new Option<bool>("--generation") { Description = "Also time one 8-candidate generation.", DefaultValueFactory = _ => true };
        var command = new Command("bench", "Time each stage's training step at a candidate size and project the stage's wall time.")
        {
            stages, config, dim, layers, heads, dvaeWidth, codebook, rerankerWidth, batch, steps, warmup, threads, generation,
        };
        command.SetAction(parse => BenchCommand.Run(new BenchOptions
        {
            Stages = parse.GetValue(stages)!,
            ConfigFile = parse.GetValue(config),
            ModelDim = parse.GetValue(dim),
            Layers = parse.GetValue(layers),
            Heads = parse.GetValue(heads),
            DvaeWidth = parse.GetValue(dvaeWidth),
            Codebook = parse.GetValue(codebook),
            RerankerWidth = parse.GetValue(rerankerWidth),
            Batch = parse.GetValue(batch),
            Steps = parse.GetValue(steps),
            Warmup = parse.GetValue(warmup),
            Threads = parse.GetValue(threads),
            Generation = parse.GetValue(generation),
        }, output, error));
        return command;
    }
}
