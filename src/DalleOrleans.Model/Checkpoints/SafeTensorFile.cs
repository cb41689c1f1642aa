using TorchSharp;

namespace DalleOrleans.Model.Checkpoints;

/// <summary>
/// The content of a safetensors file: CPU tensors in their stored dtype, and the string metadata.
/// </summary>
/// <remarks>
/// The tensors are owned by this object: dispose it once they have been copied into a module, so
/// tens of megabytes of native memory do not wait for the garbage collector.
/// </remarks>
public sealed class SafeTensorFile : IDisposable
{
    public SafeTensorFile(string path, Dictionary<string, torch.Tensor> tensors, Dictionary<string, string> metadata)
    {
        Path = path;
        Tensors = tensors;
        Metadata = metadata;
    }

    /// <summary>The file this was read from.</summary>
    public string Path { get; }

    /// <summary>Tensors by name, on the CPU.</summary>
    public Dictionary<string, torch.Tensor> Tensors { get; }

    /// <summary>The header's "__metadata__" entries (empty when it has none).</summary>
    public Dictionary<string, string> Metadata { get; }

    /// <summary>Replaces every floating-point tensor by a float32 copy (integer and bool tensors stay as they are).</summary>
    public SafeTensorFile ConvertFloatsToFloat32()
    {
        foreach (var name in Tensors.Keys.ToList())
        {
            var t = Tensors[name];
            if (!SafeTensorDType.IsFloating(t.dtype) || t.dtype == torch.ScalarType.Float32) continue;
            Tensors[name] = t.to_type(torch.ScalarType.Float32);
            t.Dispose();
        }
        return this;
    }

    public void Dispose()
    {
        foreach (var t in Tensors.Values) t.Dispose();
        Tensors.Clear();
    }
}
