using TorchSharp;

namespace DalleOrleans.Model.Checkpoints;

/// <summary>
/// One tensor's line in a safetensors header: its dtype, shape and where its bytes lie.
/// </summary>
/// <param name="Name">The tensor's name (a state-dict key).</param>
/// <param name="DType">The safetensors dtype name, e.g. "F32".</param>
/// <param name="ScalarType">The matching torch scalar type.</param>
/// <param name="Shape">The tensor's shape; empty for a scalar.</param>
/// <param name="Begin">First byte, relative to the start of the data section.</param>
/// <param name="End">One past the last byte, relative to the start of the data section.</param>
public sealed record SafeTensorEntry(string Name, string DType, torch.ScalarType ScalarType, long[] Shape, long Begin, long End)
{
    /// <summary>Number of bytes the tensor's data takes.</summary>
    public long ByteLength => End - Begin;

    /// <summary>The shape written as PyTorch prints it, for messages.</summary>
    public string ShapeText => FormatShape(Shape);

    /// <summary>Formats a shape as "[2, 3]".</summary>
    public static string FormatShape(IEnumerable<long> shape) => "[" + string.Join(", ", shape) + "]";
}
