using DalleOrleans.Grains.Devices;
using static TorchSharp.torch;

namespace DalleOrleans.GpuCheck;

/// <summary>What one run of the GPU check does; every field comes from a command-line option.</summary>
public sealed record GpuCheckOptions
{
    /// <summary>Device under test: "cuda:0" when CUDA is available, else "cpu".</summary>
    public string Device { get; init; } = "cpu";
    /// <summary>The shipped model folder (the silo's default, <see cref="DeviceSettings.Path"/>).</summary>
    public string ModelPath { get; init; } = new DeviceSettings().Path;
    public string OutPath { get; init; } = "gpucheck-report.md";
    /// <summary>Report sections to run: env, cluster, two-grains, decode.</summary>
    public IReadOnlySet<string> Sections { get; init; } = AllSections;
    /// <summary>Layers of the decode benchmark's model: the paper's 64 on a GPU, 2 on a CPU.</summary>
    public int Layers { get; init; } = 64;
    /// <summary>Width of the decode benchmark's model (the paper's 3968, 62 heads of 64); narrower only in tests.</summary>
    public int ModelDim { get; init; } = 3968;
    public int Heads { get; init; } = 62;
    /// <summary>Weight and KV-cache dtype of the decode benchmark: bf16 on a GPU, fp32 on a CPU.</summary>
    public ScalarType DType { get; init; } = ScalarType.BFloat16;
    public int[] Batches { get; init; } = { 1, 8, 32 };
    /// <summary>Timed decode steps per batch size (after warm-up).</summary>
    public int Reps { get; init; } = 20;
    /// <summary>The Python interpreter for the eager PyTorch baseline; empty skips it.</summary>
    public string Python { get; init; } = "python3";
    /// <summary>The eager baseline script (deploy/gpu/eager_step.py, or eager/eager_step.py in the bundle).</summary>
    public string EagerScript { get; init; } = "";
    /// <summary>Bytes of the buffer whose device-to-device copy measures the memory bandwidth.</summary>
    public long CopyBytes { get; init; } = 1L << 30;
    /// <summary>Largest |Δ logit| between the device and the CPU on the fixed sequence that still passes.</summary>
    public double LogitTolerance { get; init; } = 1e-2;

    public static readonly IReadOnlySet<string> AllSections = new HashSet<string> { "env", "cluster", "two-grains", "decode" };

    public bool IsCuda => Device.StartsWith("cuda", StringComparison.OrdinalIgnoreCase);

    public static ScalarType ParseDType(string name) => name.Trim().ToLowerInvariant() switch
    {
        "bf16" or "bfloat16" => ScalarType.BFloat16,
        "fp16" or "float16" or "half" => ScalarType.Float16,
        "fp32" or "float32" or "float" => ScalarType.Float32,
        _ => throw new ArgumentException($"--dtype '{name}' is not one of: bf16, fp16, fp32."),
    };

    public static string DTypeName(ScalarType t) => t switch
    {
        ScalarType.BFloat16 => "bf16", ScalarType.Float16 => "fp16", ScalarType.Float32 => "fp32", _ => t.ToString(),
    };

    public void Validate()
    {
        if (Sections.Count == 0 || Sections.Any(s => !AllSections.Contains(s)))
            throw new ArgumentException($"--sections lists '{string.Join(",", Sections)}'; each must be one of: {string.Join(", ", AllSections)}.");
        if (Layers is < 1 or > 256) throw new ArgumentException($"--layers is {Layers}; it must be between 1 and 256.");
        if (ModelDim < 1 || Heads < 1 || ModelDim % Heads != 0)
            throw new ArgumentException($"--model-dim {ModelDim} must be a positive multiple of --heads {Heads}.");
        if (Batches.Length == 0 || Batches.Any(b => b is < 1 or > 1024))
            throw new ArgumentException("--batches must list batch sizes between 1 and 1024.");
        if (Reps is < 1 or > 10_000) throw new ArgumentException($"--reps is {Reps}; it must be between 1 and 10000.");
        if (CopyBytes is < 1 << 20 or > 64L << 30) throw new ArgumentException($"--copy-mib must be between 1 and 65536.");
        if (LogitTolerance is <= 0 or > 10) throw new ArgumentException($"--logit-tolerance is {LogitTolerance}; it must be in (0, 10].");
    }
}
