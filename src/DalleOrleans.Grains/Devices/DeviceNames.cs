using DalleOrleans.Model;

namespace DalleOrleans.Grains.Devices;

/// <summary>
/// Device names in Model:Devices: torch's ("cpu", "cuda:N"), plus "cpu:N", several executors on the one CPU. Why:
/// tests and benchmarks run many devices (and pipelines of shards) in one process on a machine without GPUs.
/// </summary>
public static class DeviceNames
{
    public static TorchSharp.torch.Device Parse(string name)
    {
        string n = name.Trim().ToLowerInvariant();
        if (n.StartsWith("cpu:", StringComparison.Ordinal))
        {
            if (!int.TryParse(n.AsSpan(4), out int index) || index < 0)
                throw new ArgumentException($"Model:Devices entry '{name}' has no valid index; expected 'cpu', 'cpu:N' or 'cuda:N' with N ≥ 0.", "Model:Devices");
            return TorchSharp.torch.CPU;
        }
        return TorchRuntime.ParseDevice(n, "Model:Devices");
    }
}
