using DalleOrleans.Benchmarks;
using DalleOrleans.Model;

// Model benchmarks for issue #8. Short runs (each subcommand well under two minutes), ratios within one run.
BenchOptions options;
try { options = BenchOptions.Parse(args); }
catch (UsageException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    Console.Error.WriteLine(BenchOptions.Usage);
    return 2;
}

TorchRuntime.Initialize(options.Threads);
using var model = ModelBundle.Load(options.ModelFolder);
var report = new Report(options);
bool all = options.Command == "all";
if (all || options.Command == "roofline") RooflineBench.Run(model, report);
if (all || options.Command == "kv-cache") KvCacheBench.Run(model, report);
if (all || options.Command == "decode-rerank") DecodeRerankBench.Run(model, report);
report.Save();
return 0;
