namespace DalleOrleans.Benchmarks;

/// <summary>A bad command line: the message names the option and its range; the program exits with code 2.</summary>
public sealed class UsageException(string message) : Exception(message);

/// <summary>The parsed command line: one subcommand and its options, checked before anything loads.</summary>
public sealed record BenchOptions(string Command, string ModelFolder, int Threads, string? OutFile, string CommandLine)
{
    public static readonly string[] Commands = { "roofline", "kv-cache", "decode-rerank", "all" };

    public const string Usage =
        "usage: dalle-modelbench <roofline|kv-cache|decode-rerank|all> [--model <folder>] [--threads <1..cores×4>] [--out <markdown file>]\n" +
        "  --model    model folder (default models/shapes-v2, found above the working directory)\n" +
        "  --threads  libtorch intra-op threads (default: the machine's cores)\n" +
        "  --out      also append the tables to this markdown file";

    public static BenchOptions Parse(string[] args)
    {
        if (args.Length == 0) throw new UsageException("no subcommand given; expected one of: " + string.Join(", ", Commands) + ".");
        string command = args[0];
        if (!Commands.Contains(command))
            throw new UsageException($"unknown subcommand '{command}'; expected one of: {string.Join(", ", Commands)}.");
        string? model = null, outFile = null;
        int threads = Environment.ProcessorCount;
        int maxThreads = Environment.ProcessorCount * 4;
        for (int i = 1; i < args.Length; i++)
        {
            string name = args[i];
            string Value() => i + 1 < args.Length ? args[++i] : throw new UsageException($"{name} needs a value.");
            switch (name)
            {
                case "--model":
                    model = Value();
                    if (!Directory.Exists(model)) throw new UsageException($"--model '{model}' is not a folder; it must be a model folder holding config.json.");
                    break;
                case "--threads":
                    string t = Value();
                    if (!int.TryParse(t, out threads) || threads < 1 || threads > maxThreads)
                        throw new UsageException($"--threads is '{t}'; it must be an integer in 1..{maxThreads} (this machine has {Environment.ProcessorCount} cores).");
                    break;
                case "--out":
                    outFile = Value();
                    string? dir = Path.GetDirectoryName(Path.GetFullPath(outFile));
                    if (dir is null || !Directory.Exists(dir)) throw new UsageException($"--out '{outFile}': the folder {dir} does not exist.");
                    break;
                default:
                    throw new UsageException($"unknown option '{name}'; the options are --model, --threads and --out.");
            }
        }
        model ??= FindShippedModel() ?? throw new UsageException("--model not given and models/shapes-v2 was not found above the working directory; pass --model <folder>.");
        if (!File.Exists(Path.Combine(model, "config.json"))) throw new UsageException($"--model '{model}' has no config.json; it must be a model folder.");
        return new BenchOptions(command, model, threads, outFile, "dalle-modelbench " + string.Join(' ', args));
    }

    static string? FindShippedModel()
    {
        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "models", "shapes-v2");
            if (File.Exists(Path.Combine(candidate, "config.json"))) return candidate;
        }
        return null;
    }
}
