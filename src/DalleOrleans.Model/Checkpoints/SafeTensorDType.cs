using TorchSharp;

namespace DalleOrleans.Model.Checkpoints;

/// <summary>
/// Maps safetensors dtype names to torch scalar types and element sizes.
/// </summary>
/// <remarks>
/// The names are the ones the safetensors format defines ("F32", "BF16", ...). Only types whose
/// bytes libtorch stores the same way are listed, so a tensor's storage can be copied as is.
/// </remarks>
public static class SafeTensorDType
{
    static readonly (string Name, torch.ScalarType Type, int Size)[] Known =
    [
        ("F64", torch.ScalarType.Float64, 8),
        ("F32", torch.ScalarType.Float32, 4),
        ("F16", torch.ScalarType.Float16, 2),
        ("BF16", torch.ScalarType.BFloat16, 2),
        ("I64", torch.ScalarType.Int64, 8),
        ("I32", torch.ScalarType.Int32, 4),
        ("I16", torch.ScalarType.Int16, 2),
        ("I8", torch.ScalarType.Int8, 1),
        ("U8", torch.ScalarType.Byte, 1),
        ("BOOL", torch.ScalarType.Bool, 1),
    ];

    /// <summary>The dtype names this reader and writer understand, for error messages.</summary>
    public static IEnumerable<string> Names => Known.Select(k => k.Name);

    /// <summary>Looks up a safetensors dtype name (case-sensitive, as the format is).</summary>
    public static bool TryParse(string name, out torch.ScalarType type, out int elementSize)
    {
        foreach (var k in Known)
        {
            if (k.Name == name)
            {
                type = k.Type;
                elementSize = k.Size;
                return true;
            }
        }
        type = default;
        elementSize = 0;
        return false;
    }

    /// <summary>The safetensors name of a torch scalar type, or null when the format has none here.</summary>
    public static string? NameOf(torch.ScalarType type)
    {
        foreach (var k in Known)
            if (k.Type == type) return k.Name;
        return null;
    }

    /// <summary>True for the floating-point types that <c>floatStorage</c> conversion applies to.</summary>
    public static bool IsFloating(torch.ScalarType type) =>
        type is torch.ScalarType.Float64 or torch.ScalarType.Float32 or torch.ScalarType.Float16 or torch.ScalarType.BFloat16;
}
