using System.Security.Cryptography;
using DalleOrleans.Abstractions;
using DalleOrleans.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace DalleOrleans.GpuCheck;

/// <summary>
/// The check's sections, in order: environment, the shipped model on the device in an embedded cluster against the CPU,
/// two device grains on one device, and the decode benchmark. Each adds tables and pass/fail checks to the report.
/// </summary>
public sealed class GpuCheckRun(GpuCheckOptions options, Action<string> log)
{
    readonly MarkdownReport _report = new();

    /// <summary>The request both clusters answer: fixed prompt, seed and candidates, so the images can be compared.</summary>
    public static readonly GenerationRequest Request = new() { Prompt = "a large red circle on a white background", Candidates = 8, Top = 4, Seed = 7 };

    public MarkdownReport Report => _report;

    public async Task<string> RunAsync(CancellationToken cancellation = default)
    {
        options.Validate();
        TorchRuntime.Initialize();
        var preamble = new List<string>
        {
            $"Written by `dalle-gpucheck` at {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC on {Environment.MachineName} " +
            $"({Environment.ProcessorCount} cores): device `{options.Device}`, {TorchRuntime.Describe()}.",
        };
        Device device;
        try
        {
            device = TorchRuntime.ParseDevice(options.Device, "--device");
        }
        catch (ArgumentException e)
        {
            _report.Check("device present", false, e.Message);
            return _report.Render("GPU check", preamble);
        }

        if (options.Sections.Contains("env")) EnvironmentSection(device);
        GenerationResult? oneDevice = null;
        if (options.Sections.Contains("cluster")) oneDevice = await ClusterOnDevice(device, cancellation);
        if (options.Sections.Contains("two-grains")) await TwoGrainsOnOneDevice(oneDevice, cancellation);
        if (options.Sections.Contains("decode")) Decode(device);
        return _report.Render("GPU check", preamble);
    }

    void EnvironmentSection(Device device)
    {
        _report.Heading("Environment");
        bool cuda = torch.cuda.is_available();
        _report.Table(new[] { "item", "value" }, new[]
        {
            new[] { "libtorch", torch.__version__ },
            new[] { "TorchSharp", typeof(torch).Assembly.GetName().Version?.ToString() ?? "?" },
            new[] { "CUDA available", cuda ? $"yes, {torch.cuda.device_count()} device(s), cuDNN {(torch.cuda.is_cudnn_available() ? "yes" : "no")}" : "no" },
            new[] { "intra-op threads", get_num_threads().ToString() },
            new[] { ".NET", System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription },
            new[] { "LD_LIBRARY_PATH", System.Environment.GetEnvironmentVariable("LD_LIBRARY_PATH") ?? "(unset)" },
        });
        if (options.IsCuda) _report.Check("CUDA present", cuda && device.type == DeviceType.CUDA, $"{options.Device} is usable ({torch.cuda.device_count()} CUDA device(s))");
        _report.Line("CUDA graphs: TorchSharp 0.107.0 has no binding for them (its native entry points under THSCuda/THSTorchCuda are " +
                     "manual_seed, is_available, device_count, cudnn_is_available and synchronize only), so every step is launched op by op.");
    }

    async Task<GenerationResult?> ClusterOnDevice(Device device, CancellationToken cancellation)
    {
        _report.Heading($"The shipped model in an embedded cluster: {options.Device} against the CPU");
        log("cluster: CPU reference");
        GenerationResult reference, onDevice;
        await using (var cpu = await EmbeddedCluster.StartAsync(options.ModelPath, "cpu", 1, cancellation))
            reference = await cpu.Client.GenerateAsync(Request, cancellation: cancellation);
        log($"cluster: {options.Device}");
        await using (var dev = await EmbeddedCluster.StartAsync(options.ModelPath, options.Device, 1, cancellation))
            onDevice = await dev.Client.GenerateAsync(Request, cancellation: cancellation);

        _report.Line($"Request: \"{Request.Prompt}\", {Request.Candidates} candidates, top {Request.Top}, seed {Request.Seed}; model `{reference.ModelId}` from `{options.ModelPath}`.");
        _report.Table(new[] { "rank", "CPU candidate", "CPU score", $"{options.Device} candidate", $"{options.Device} score", "PNG identical" },
            reference.Images.Zip(onDevice.Images).Select(p => (IReadOnlyList<string>)new[]
            {
                p.First.Rank.ToString(), p.First.Candidate.ToString(), MarkdownReport.F(p.First.Score, 4),
                p.Second.Candidate.ToString(), MarkdownReport.F(p.Second.Score, 4), p.First.Png.AsSpan().SequenceEqual(p.Second.Png) ? "yes" : "no",
            }));
        bool sameRanking = reference.Images.Select(i => i.Candidate).SequenceEqual(onDevice.Images.Select(i => i.Candidate));
        int identical = reference.Images.Zip(onDevice.Images).Count(p => p.First.Png.AsSpan().SequenceEqual(p.Second.Png));

        // Independent of sampling: the logits of one fixed sequence on both devices.
        string configPath = Path.Combine(options.ModelPath, ModelBundle.ConfigFile);
        var config = ModelConfig.Load(configPath).Transformer;
        var logits = LogitsCheck.Compare(options.ModelPath, device, Request.Prompt, LogitsCheck.FixedGrid(config));
        _report.Line($"Teacher-forced logits of the fixed sequence (the prompt, then image tokens (37·k + 11) mod {config.ImageVocabSize}): " +
                     $"{logits.Count} logits, largest |logit| {MarkdownReport.F(logits.MaxAbsLogit, 3)}, largest |CPU − {options.Device}| " +
                     $"{logits.MaxAbsDiff:E2} (tolerance {options.LogitTolerance:E1}).");
        bool logitsClose = logits.MaxAbsDiff <= options.LogitTolerance;
        bool imagesSame = sameRanking && identical == reference.Images.Count;
        // Either the images are the CPU's, or (where GPU arithmetic moved a token choice) the logits are within tolerance.
        _report.Check($"shipped model on {options.Device} matches the CPU", imagesSame || logitsClose,
            $"ranked images {(imagesSame ? "identical" : sameRanking ? $"in the same order, {identical}/{reference.Images.Count} PNGs byte-identical" : "differ")}; " +
            $"logits max |Δ| {logits.MaxAbsDiff:E2} {(logitsClose ? "≤" : ">")} {options.LogitTolerance:E1}");
        return onDevice;
    }

    async Task TwoGrainsOnOneDevice(GenerationResult? oneDevice, CancellationToken cancellation)
    {
        _report.Heading($"Two device grains on one device ({options.Device})");
        log("cluster: two silos, one device");
        await using var cluster = await EmbeddedCluster.StartAsync(options.ModelPath, options.Device, 2, cancellation);
        var result = await cluster.Client.GenerateAsync(Request with { Candidates = 16 }, cancellation: cancellation);
        var devices = result.Devices.Distinct().ToArray();
        _report.Line($"Two silos in this process, each hosting a device grain on `{options.Device}`; one request of 16 candidates was drawn by: " +
                     string.Join(", ", devices.Select(d => $"`{d}`")) + ".");
        _report.Check("two device grains on one device", devices.Length == 2 && result.Images.Count == Request.Top,
            $"{devices.Length} device grain(s) drew the candidates, {result.Images.Count} images returned");
        if (oneDevice is not null)
        {
            // Same seed ⇒ same tokens, however candidates are spread: the first 8 candidates are the one-device request's.
            var single = await cluster.Client.GenerateAsync(Request, cancellation: cancellation);
            bool same = single.Images.Select(i => (i.Candidate, Hash(i.Png))).SequenceEqual(oneDevice.Images.Select(i => (i.Candidate, Hash(i.Png))));
            // A line, not a check: on a GPU the batch shape can change which kernels run (and so the last bits); the
            // logits check above is the criterion there.
            _report.Line($"Same images as one grain: {(same ? "yes" : "no")} (the {Request.Candidates}-candidate request's ranked PNGs, drawn by two grains, against the one-silo run above).");
        }
    }

    static string Hash(byte[] png) => Convert.ToHexString(SHA256.HashData(png))[..16];

    void Decode(Device device)
    {
        var config = DecodeBench.Config(options, dense: false);
        _report.Heading($"Decode step: {config.Layers} layers × d_model {config.ModelDim} ({config.Heads} heads of {config.HeadDim}), {config.SequenceLength} positions, {GpuCheckOptions.DTypeName(options.DType)}, {options.Device}");
        int position = config.ImagePosition(config.ImageTokens / 2);
        log("decode: eager PyTorch baseline");
        var eager = EagerBaseline.Run(options, position, get_num_threads(), TimeSpan.FromMinutes(options.IsCuda ? 5 : 10));
        log("decode: this project's step");
        var result = DecodeBench.Run(options, device, log);
        var bw = result.Bandwidth;
        _report.Line($"Random weights built by the project's `DalleTransformer` ({result.ParameterCount / 1e9:F3} B parameters, " +
                     $"{result.ElementSize} bytes each); a step reads {result.StepWeightBytes / 1e9:F3} GB of them (layers, final norm, image head). " +
                     $"Device-to-device copy of {bw.Bytes >> 20} MiB: {MarkdownReport.F(bw.MedianMs, 3)} ms, " +
                     $"{MarkdownReport.F(bw.BytesPerSecond / 1e9, 1)} GB/s (read + write) before the steps. Weight-read limit = step weight bytes ÷ the " +
                     "copy bandwidth timed in turn with that row's steps (column \"copy GB/s\"); the next limit adds the keys and values each row reads.");
        _report.Table(new[] { "masks", "batch", "position (keys)", "step ms", "step + sampling ms", "weight-read limit ms", "× limit", "weights + KV limit ms", "copy GB/s", "eager PyTorch ms", "eager ÷ ours", "tokens/s" },
            result.Rows.Select(r =>
            {
                bool sparse = r.Masks.StartsWith("sparse", StringComparison.Ordinal);
                double? e = sparse && eager.MedianMs.TryGetValue(r.Batch, out double ms) ? ms : null;
                return (IReadOnlyList<string>)new[]
                {
                    r.Masks, r.Batch.ToString(), $"{r.Position} ({r.KeyLength})", MarkdownReport.F(r.StepMs, 3), MarkdownReport.F(r.StepAndSampleMs, 3),
                    MarkdownReport.F(r.WeightLimitMs, 3), MarkdownReport.F(r.StepMs / r.WeightLimitMs, 2) + "×", MarkdownReport.F(r.WeightAndKvLimitMs, 3),
                    MarkdownReport.F(r.BytesPerSecond / 1e9, 1), e is null ? "—" : MarkdownReport.F(e.Value, 3), e is null ? "—" : MarkdownReport.F(e.Value / r.StepMs, 2) + "×",
                    MarkdownReport.F(r.Batch / (r.StepAndSampleMs / 1000), 1),
                };
            }));
        _report.Line(eager.Skipped is null
            ? $"Eager baseline: `eager_step.py` on torch {eager.TorchVersion}, same sizes, dtype and position, causal additive masks (an additive mask costs the same whatever its pattern)."
            : $"Eager baseline skipped: {eager.Skipped}.");
        _report.Line($"Each time is the median of {options.Reps} steps, each between two device synchronisations and timed in turn with a copy and a step with sampling; \"step\" = embedding, every layer, final norm and " +
                     "image head (`DalleTransformer.DecodeStep`); \"+ sampling\" adds temperature/top-k/top-p sampling of every row on the device " +
                     "(`TokenSampler.SampleOnDevice`, no copy to the host).");
        var batch1 = result.Rows.FirstOrDefault(r => r.Batch == 1 && r.Masks.StartsWith("sparse", StringComparison.Ordinal));
        if (batch1 is not null)
            _report.Line($"Targets: batch-1 step ≤ 2× the weight-read limit: {(batch1.StepMs <= 2 * batch1.WeightLimitMs ? "met" : "not met")} " +
                         $"({MarkdownReport.F(batch1.StepMs / batch1.WeightLimitMs, 2)}×); faster than eager at every batch: " +
                         (eager.Skipped is not null ? "not measured (no eager baseline)" :
                             result.Rows.Where(r => r.Masks.StartsWith("sparse", StringComparison.Ordinal)).All(r => eager.MedianMs.TryGetValue(r.Batch, out double e) && r.StepMs < e) ? "met" : "not met") + ".");
    }
}
