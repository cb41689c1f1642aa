using System.CommandLine;
using DalleOrleans.GpuCheck;
using DalleOrleans.Grains.Devices;

// dalle-gpucheck: writes the markdown report (default gpucheck-report.md); exit 0 when every check passed, 1 when one
// failed, 2 for a bad option. See deploy/README.md, "GPU bundle".
var device = new Option<string?>("--device") { Description = "Device under test: cpu or cuda:N (default: cuda:0 when CUDA is available, else cpu)." };
var model = new Option<string>("--model") { Description = "The shipped model folder.", DefaultValueFactory = _ => new DeviceSettings().Path };
var output = new Option<string>("--out") { Description = "Where the markdown report goes.", DefaultValueFactory = _ => "gpucheck-report.md" };
var sections = new Option<string>("--sections") { Description = "Comma-separated: env, cluster, two-grains, decode.", DefaultValueFactory = _ => "env,cluster,two-grains,decode" };
var layers = new Option<int?>("--layers") { Description = "Decode benchmark layers (default: 64, the paper's, on CUDA; 2 on CPU)." };
var modelDim = new Option<int>("--model-dim") { Description = "Decode benchmark width (the paper's 3968).", DefaultValueFactory = _ => 3968 };
var heads = new Option<int>("--heads") { Description = "Decode benchmark heads (the paper's 62, of 64 each).", DefaultValueFactory = _ => 62 };
var dtype = new Option<string?>("--dtype") { Description = "Decode benchmark weights and KV cache: bf16, fp16 or fp32 (default: bf16 on CUDA, fp32 on CPU)." };
var batches = new Option<string>("--batches") { Description = "Decode batch sizes.", DefaultValueFactory = _ => "1,8,32" };
var reps = new Option<int?>("--reps") { Description = "Timed steps per batch size (default: 20 on CUDA, 5 on CPU)." };
var python = new Option<string>("--python")
{
    Description = "Python with torch for the eager baseline; \"\" skips it (default: DALLE_PYTHON, else python3).",
    DefaultValueFactory = _ => Environment.GetEnvironmentVariable("DALLE_PYTHON") ?? "python3",
};
var script = new Option<string>("--eager-script")
{
    Description = "The eager baseline script (default: DALLE_EAGER_SCRIPT, else the bundle's or the repository's eager_step.py).",
    DefaultValueFactory = _ => Environment.GetEnvironmentVariable("DALLE_EAGER_SCRIPT") ?? "",
};
var copyMib = new Option<int?>("--copy-mib") { Description = "Buffer copied to measure bandwidth, MiB (default: 1024 on CUDA, 256 on CPU)." };
var tolerance = new Option<double>("--logit-tolerance") { Description = "Largest |CPU − device| logit that passes.", DefaultValueFactory = _ => 1e-2 };
var threads = new Option<int?>("--threads") { Description = "libtorch intra-op threads (default: every core)." };

var root = new RootCommand("GPU check: the shipped model on a device in an embedded cluster, and the paper-scale decode step against the weight-read limit.")
{
    device, model, output, sections, layers, modelDim, heads, dtype, batches, reps, python, script, copyMib, tolerance, threads,
};
root.SetAction(async (parse, ct) =>
{
    GpuCheckOptions options;
    try
    {
        DalleOrleans.Model.TorchRuntime.Initialize(parse.GetValue(threads));
        string dev = parse.GetValue(device) ?? (TorchSharp.torch.cuda.is_available() ? "cuda:0" : "cpu");
        bool cuda = dev.StartsWith("cuda", StringComparison.OrdinalIgnoreCase);
        options = new GpuCheckOptions
        {
            Device = dev, ModelPath = parse.GetValue(model)!, OutPath = parse.GetValue(output)!,
            Sections = parse.GetValue(sections)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(),
            Layers = parse.GetValue(layers) ?? (cuda ? 64 : 2), ModelDim = parse.GetValue(modelDim), Heads = parse.GetValue(heads),
            DType = GpuCheckOptions.ParseDType(parse.GetValue(dtype) ?? (cuda ? "bf16" : "fp32")),
            Batches = parse.GetValue(batches)!.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(b =>
                int.TryParse(b, out int v) ? v : throw new ArgumentException($"--batches: '{b}' is not a number.")).ToArray(),
            Reps = parse.GetValue(reps) ?? (cuda ? 20 : 5), Python = parse.GetValue(python)!, EagerScript = parse.GetValue(script)!,
            CopyBytes = (long)(parse.GetValue(copyMib) ?? (cuda ? 1024 : 256)) << 20, LogitTolerance = parse.GetValue(tolerance),
        };
        options.Validate();
    }
    catch (ArgumentException e)
    {
        Console.Error.WriteLine($"error: {e.Message}");
        return 2;
    }
    var run = new GpuCheckRun(options, line => Console.Error.WriteLine($"[{DateTime.UtcNow:HH:mm:ss}] {line}"));
    string report = await run.RunAsync(ct);
    string? folder = Path.GetDirectoryName(Path.GetFullPath(options.OutPath));
    if (folder is not null) Directory.CreateDirectory(folder);
    await File.WriteAllTextAsync(options.OutPath, report, ct);
    Console.WriteLine(report);
    Console.Error.WriteLine($"report: {Path.GetFullPath(options.OutPath)}");
    return run.Report.AllPassed ? 0 : 1;
});
var parsed = root.Parse(args);
if (parsed.Errors.Count > 0)
{
    foreach (var e in parsed.Errors) Console.Error.WriteLine($"error: {e.Message}");
    return 2;
}
return await parsed.InvokeAsync();
