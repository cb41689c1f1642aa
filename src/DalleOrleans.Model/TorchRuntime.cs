using TorchSharp;

namespace DalleOrleans.Model;

/// <summary>
/// One place that starts libtorch for a process and chooses its thread settings.
/// </summary>
/// <remarks>
/// Why set threads deliberately: libtorch defaults its intra-op pool to every core. On a 2-core
/// silo the device executor thread plus libtorch's pool plus the Orleans scheduler would
/// oversubscribe the CPU. The intra-op count is the number of cores libtorch may use for one op;
/// inter-op parallelism is 1 because each device runs one op stream on its own executor thread.
/// torch only accepts the inter-op setting before its first parallel op, so this runs once, first.
/// </remarks>
public static class TorchRuntime
{
    static readonly object Gate = new();
    static bool _initialized;

    /// <summary>Loads libtorch and applies the thread settings; later calls are no-ops.</summary>
    public static void Initialize(int? intraOpThreads = null)
    {
        lock (Gate)
        {
            if (_initialized) return;
            int threads = intraOpThreads ?? Environment.ProcessorCount;
            if (threads < 1) throw new ArgumentOutOfRangeException(nameof(intraOpThreads), threads, "intraOpThreads must be at least 1.");
            torch.set_num_interop_threads(1);
            torch.set_num_threads(threads);
            _initialized = true;
        }
    }

    /// <summary>Parses a device name from configuration ("cpu", "cuda", "cuda:0", ...) with a clear error.</summary>
    public static torch.Device ParseDevice(string name, string field = "device")
    {
        if (string.IsNullOrWhiteSpace(name))
            throw new ArgumentException($"{field} is empty; expected 'cpu' or 'cuda:N'.", field);
        string n = name.Trim().ToLowerInvariant();
        if (n == "cpu") return torch.CPU;
        if (n == "cuda" || n.StartsWith("cuda:", StringComparison.Ordinal))
        {
            int index = 0;
            if (n.Length > 4 && (!int.TryParse(n.AsSpan(5), out index) || index < 0))
                throw new ArgumentException($"{field} '{name}' has no valid device index; expected 'cuda:N' with N ≥ 0.", field);
            Initialize();
            if (!torch.cuda.is_available())
                throw new ArgumentException($"{field} '{name}' asks for CUDA, but this process's libtorch has no usable CUDA device.", field);
            int count = torch.cuda.device_count();
            if (index >= count)
                throw new ArgumentException($"{field} '{name}' does not exist: this machine has {count} CUDA device(s), cuda:0..cuda:{count - 1}.", field);
            return new torch.Device(DeviceType.CUDA, index);
        }
        throw new ArgumentException($"{field} '{name}' is not a known device; expected 'cpu' or 'cuda:N'.", field);
    }

    /// <summary>A one-line description for logs and health output.</summary>
    public static string Describe()
    {
        Initialize();
        return $"libtorch {torch.__version__}, {torch.get_num_threads()} intra-op thread(s), CUDA {(torch.cuda.is_available() ? "available" : "not available")}";
    }

    /// <summary>Runs a small matmul and checks its result against a hand computation: proof that libtorch works.</summary>
    public static double SelfCheck()
    {
        Initialize();
        using var scope = torch.NewDisposeScope();
        var a = torch.arange(0, 64 * 32, dtype: torch.float32).reshape(64, 32) / 100f;  // (64, 32)
        var b = torch.ones(32, 16, dtype: torch.float32);                              // (32, 16)
        var c = a.matmul(b);                                                           // (64, 16)
        // Row i of a sums to (32i*32 + 0+...+31)/100; each column of c equals that sum.
        double expected = Enumerable.Range(0, 64).Sum(i => (32.0 * i * 32 + 496) / 100.0) * 16;
        double got = c.sum().item<float>();
        if (Math.Abs(got - expected) > 1e-3 * expected)
            throw new InvalidOperationException($"libtorch matmul self-check failed: got {got}, expected {expected}.");
        return got;
    }
}
