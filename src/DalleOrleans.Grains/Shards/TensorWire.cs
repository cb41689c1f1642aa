using System.Runtime.InteropServices;
using DalleOrleans.Abstractions;
using static TorchSharp.torch;

namespace DalleOrleans.Grains.Shards;

/// <summary>Tensors to and from <see cref="TensorPayload"/>: the raw bytes in the tensor's own dtype, no conversion.</summary>
public static class TensorWire
{
    /// <summary>Copies a tensor (any device) into a payload: contiguous on the CPU, bytes as they are.</summary>
    public static TensorPayload ToPayload(Tensor tensor)
    {
        using var cpu = tensor.detach().cpu().contiguous();
        var bytes = cpu.bytes;                           // the raw storage, in the tensor's dtype
        return new TensorPayload((byte)cpu.dtype, cpu.shape.ToArray(), bytes.ToArray());
    }

    /// <summary>A new tensor on <paramref name="device"/> holding the payload's values (in the caller's dispose scope).</summary>
    public static Tensor ToTensor(TensorPayload payload, Device device)
    {
        var type = (ScalarType)payload.ScalarType;
        var result = empty(payload.Shape, dtype: type, device: CPU);
        result.bytes = payload.Data;
        return device.type == TorchSharp.DeviceType.CPU ? result : result.to(device);
    }

    /// <summary>A row-index tensor from a contract's int array.</summary>
    public static Tensor Indices(int[] values, Device device) =>
        tensor(values.Select(v => (long)v).ToArray(), dtype: int64, device: device);
}
