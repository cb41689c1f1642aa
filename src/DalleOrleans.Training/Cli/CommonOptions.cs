using System.CommandLine;
using DalleOrleans.Training.Progress;
using DalleOrleans.Training.Setup;

namespace DalleOrleans.Training.Cli;

/// <summary>Options several commands share, defined once so their names and help read the same everywhere.</summary>
public static class CommonOptions
{
    public static Option<string> Run() => new("--run")
    {
        Description = "Run folder (config, vocabulary, checkpoints, samples); keep it outside the repository.",
        DefaultValueFactory = _ => ShippedConfig.DefaultRunFolder,
    };

    public static Option<int> Seed(string description = "Random seed.") => new("--seed") { Description = description, DefaultValueFactory = _ => 0 };

    public static Option<string?> Config() => new("--config")
    {
        Description = "Model config JSON for a new run (default: the shipped model's sizes, ShippedConfig); an existing run keeps its config.json.",
    };

    public static Option<ProgressMode> Progress() => new("--progress")
    {
        Description = "Auto: a live bar on a terminal, log lines otherwise; Live; Plain.",
        DefaultValueFactory = _ => ProgressMode.Auto,
    };

    public static Option<string> Device() => new("--device") { Description = "cpu or cuda:N.", DefaultValueFactory = _ => "cpu" };

    public static Option<int?> Threads() => new("--threads") { Description = "libtorch intra-op threads (default: half the cores, at least 1; more threads stall on a shared machine)." };

    public static Option<string> Model() => new("--model")
    {
        Description = "Model folder (config.json, vocab.json, three safetensors).",
        DefaultValueFactory = _ => Path.Combine("models", ShippedConfig.ModelId),
    };
}
