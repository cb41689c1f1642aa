using System.Buffers;
using System.Buffers.Binary;
using Orleans.Serialization.Buffers;
using Orleans.Serialization.Cloning;
using Orleans.Serialization.Codecs;
using Orleans.Serialization.WireProtocol;

namespace DalleOrleans.Abstractions;

/// <summary>
/// A tensor as it crosses between silos: its element type (torch's ScalarType code), its shape and its raw bytes in
/// that type, little-endian, row-major. Hidden states travel between the shards of a pipeline in the model's dtype
/// (bf16 stays 2 bytes a value); nothing is converted to text. Immutable once built: the copier shares it.
/// </summary>
public sealed class TensorPayload
{
    public TensorPayload(byte scalarType, long[] shape, byte[] data)
    {
        long elements = 1;
        foreach (long d in shape)
        {
            if (d < 0) throw new ArgumentException($"a tensor dimension is {d}; dimensions must be ≥ 0.", nameof(shape));
            elements *= d;
        }
        int size = ElementSize(scalarType);
        if (elements * size != data.Length)
            throw new ArgumentException($"a {string.Join("×", shape)} tensor of type {scalarType} needs {elements * size} bytes, not {data.Length}.", nameof(data));
        ScalarType = scalarType;
        Shape = shape;
        Data = data;
    }

    /// <summary>torch's ScalarType code (6 float32, 15 bfloat16, 5 float16, 4 int64...).</summary>
    public byte ScalarType { get; }
    public long[] Shape { get; }
    public byte[] Data { get; }

    /// <summary>Most dimensions a payload carries (a hidden state has 3).</summary>
    public const int MaxRank = 8;

    /// <summary>Bytes per element of the scalar types a pipeline sends; anything else is refused.</summary>
    public static int ElementSize(byte scalarType) => scalarType switch
    {
        0 or 1 or 11 => 1,             // uint8, int8, bool
        2 or 5 or 15 => 2,             // int16, float16, bfloat16
        3 or 6 => 4,                   // int32, float32
        4 or 7 => 8,                   // int64, float64
        _ => throw new ArgumentException($"tensor scalar type {scalarType} is not one a pipeline sends (ints, bool, float16/32/64, bfloat16)."),
    };
}

/// <summary>
/// The wire form of <see cref="TensorPayload"/>: one length-prefixed field holding the scalar type (1 byte), the rank
/// (1 byte), each dimension (8 bytes, little-endian) and then the raw data, copied straight into the message buffer.
/// </summary>
[RegisterSerializer]
public sealed class TensorPayloadCodec : IFieldCodec<TensorPayload>
{
    public void WriteField<TBufferWriter>(ref Writer<TBufferWriter> writer, uint fieldIdDelta, Type? expectedType, TensorPayload? value)
        where TBufferWriter : IBufferWriter<byte>
    {
        if (ReferenceCodec.TryWriteReferenceField(ref writer, fieldIdDelta, expectedType, value) || value is null) return;
        writer.WriteFieldHeader(fieldIdDelta, expectedType, typeof(TensorPayload), WireType.LengthPrefixed);
        int headerBytes = 2 + 8 * value.Shape.Length;
        writer.WriteVarUInt32(checked((uint)(headerBytes + value.Data.Length)));
        Span<byte> header = stackalloc byte[2 + 8 * TensorPayload.MaxRank];
        header[0] = value.ScalarType;
        header[1] = checked((byte)value.Shape.Length);
        for (int i = 0; i < value.Shape.Length; i++) BinaryPrimitives.WriteInt64LittleEndian(header.Slice(2 + 8 * i, 8), value.Shape[i]);
        writer.Write(header[..headerBytes]);
        writer.Write(value.Data);
    }

    public TensorPayload ReadValue<TInput>(ref Reader<TInput> reader, Field field)
    {
        if (field.WireType == WireType.Reference) return ReferenceCodec.ReadReference<TensorPayload, TInput>(ref reader, field)!;
        field.EnsureWireType(WireType.LengthPrefixed);
        uint length = reader.ReadVarUInt32();
        if (length < 2) throw new InvalidDataException($"a tensor payload of {length} bytes has no header.");
        byte scalarType = reader.ReadByte();
        int rank = reader.ReadByte();
        if (rank > TensorPayload.MaxRank || length < 2 + 8 * rank)
            throw new InvalidDataException($"a tensor payload of rank {rank} in {length} bytes is malformed (rank at most {TensorPayload.MaxRank}).");
        Span<byte> dims = stackalloc byte[8 * TensorPayload.MaxRank];
        reader.ReadBytes(dims[..(8 * rank)]);
        var shape = new long[rank];
        for (int i = 0; i < rank; i++) shape[i] = BinaryPrimitives.ReadInt64LittleEndian(dims.Slice(8 * i, 8));
        var data = new byte[length - 2 - 8 * rank];
        reader.ReadBytes(data);
        var result = new TensorPayload(scalarType, shape, data);
        ReferenceCodec.RecordObject(reader.Session, result);
        return result;
    }
}

/// <summary>Payloads are immutable: a copy within a silo is the same object.</summary>
[RegisterCopier]
public sealed class TensorPayloadCopier : IDeepCopier<TensorPayload>
{
    public TensorPayload? DeepCopy(TensorPayload? input, CopyContext context) => input;
}
