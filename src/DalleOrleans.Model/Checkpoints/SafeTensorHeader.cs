using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Unicode;

namespace DalleOrleans.Model.Checkpoints;

/// <summary>
/// Parses and writes the JSON header of a safetensors file, and checks it against the data section.
/// </summary>
/// <remarks>
/// The checks follow the reference implementation: every tensor's byte range must equal
/// shape × element size, the ranges sorted by offset must tile the data section exactly (no gap,
/// no overlap, nothing left over). A reader that accepted less could hand the model a tensor made
/// of another tensor's bytes, which fails much later and far less clearly.
/// </remarks>
public static class SafeTensorHeader
{
    /// <summary>The metadata key the format reserves.</summary>
    public const string MetadataKey = "__metadata__";

    /// <summary>The largest header accepted, as in the reference reader (guards against absurd allocations).</summary>
    public const long MaxHeaderBytes = 100_000_000;

    /// <summary>A parsed, validated header.</summary>
    public sealed record Parsed(IReadOnlyList<SafeTensorEntry> Entries, Dictionary<string, string> Metadata);

    /// <summary>
    /// Parses the header JSON and validates every entry against a data section of <paramref name="dataLength"/> bytes.
    /// </summary>
    /// <param name="path">The file, for messages only.</param>
    /// <param name="json">The header bytes (UTF-8 JSON, possibly padded with trailing spaces).</param>
    /// <param name="dataLength">Bytes in the file after the header.</param>
    public static Parsed Parse(string path, ReadOnlySpan<byte> json, long dataLength)
    {
        var trimmed = json.TrimEnd((byte)' ');
        if (trimmed.Length == 0 || trimmed[0] != (byte)'{')
            throw new CheckpointException(path, "the header is not a JSON object (it does not start with '{'); this is not a safetensors file or it is corrupt.");

        // The JSON reader decodes strings lazily, so bad UTF-8 would surface later as an odd
        // InvalidOperationException; checking first keeps every failure a CheckpointException.
        if (!Utf8.IsValid(trimmed))
            throw new CheckpointException(path, "the header is not valid UTF-8 text; the file is corrupt.");

        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(trimmed.ToArray(), new JsonDocumentOptions { MaxDepth = 16 });
        }
        catch (Exception e) when (e is JsonException or ArgumentException)
        {
            throw new CheckpointException(path, $"the header is not valid JSON: {e.Message}", e);
        }

        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                throw new CheckpointException(path, $"the header is JSON {doc.RootElement.ValueKind}, not an object.");

            var entries = new List<SafeTensorEntry>();
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var property in doc.RootElement.EnumerateObject())
            {
                // JSON allows repeated keys; a checkpoint with two tensors of one name is ambiguous.
                if (!seen.Add(property.Name))
                    throw new CheckpointException(path, $"the header names '{property.Name}' twice.");
                if (property.Name == MetadataKey)
                    ReadMetadata(path, property.Value, metadata);
                else
                    entries.Add(ReadEntry(path, property.Name, property.Value, dataLength));
            }
            CheckLayout(path, entries, dataLength);
            return new Parsed(entries, metadata);
        }
    }

    static void ReadMetadata(string path, JsonElement value, Dictionary<string, string> metadata)
    {
        if (value.ValueKind == JsonValueKind.Null) return;
        if (value.ValueKind != JsonValueKind.Object)
            throw new CheckpointException(path, $"'{MetadataKey}' is JSON {value.ValueKind}; the format requires an object of strings.");
        foreach (var item in value.EnumerateObject())
        {
            if (item.Value.ValueKind != JsonValueKind.String)
                throw new CheckpointException(path, $"metadata '{item.Name}' is JSON {item.Value.ValueKind}; the format allows only string values.");
            if (!metadata.TryAdd(item.Name, item.Value.GetString()!))
                throw new CheckpointException(path, $"metadata key '{item.Name}' appears twice.");
        }
    }

    static SafeTensorEntry ReadEntry(string path, string name, JsonElement value, long dataLength)
    {
        string where = $"tensor '{name}'";
        if (name.Length == 0)
            throw new CheckpointException(path, "the header has a tensor with an empty name.");
        if (value.ValueKind != JsonValueKind.Object)
            throw new CheckpointException(path, $"{where} is JSON {value.ValueKind}, not an object with dtype, shape and data_offsets.");

        if (!value.TryGetProperty("dtype", out var dtypeElement) || dtypeElement.ValueKind != JsonValueKind.String)
            throw new CheckpointException(path, $"{where} has no string 'dtype'.");
        string dtype = dtypeElement.GetString()!;
        if (!SafeTensorDType.TryParse(dtype, out var scalarType, out int elementSize))
            throw new CheckpointException(path, $"{where} has dtype '{dtype}', which this reader does not support (known: {string.Join(", ", SafeTensorDType.Names)}).");

        long[] shape = ReadIntegers(path, where, value, "shape", expectedCount: null);
        long[] offsets = ReadIntegers(path, where, value, "data_offsets", expectedCount: 2);
        long begin = offsets[0], end = offsets[1];
        if (end < begin)
            throw new CheckpointException(path, $"{where} has data_offsets [{begin}, {end}]: the end is before the beginning.");
        if (end > dataLength)
            throw new CheckpointException(path, $"{where} has data_offsets [{begin}, {end}] but the data section holds only {dataLength} bytes; the file is truncated or the header is wrong.");

        long expected;
        try
        {
            expected = elementSize;
            foreach (long d in shape) expected = checked(expected * d);
        }
        catch (OverflowException)
        {
            throw new CheckpointException(path, $"{where} has shape {SafeTensorEntry.FormatShape(shape)}, whose size overflows.");
        }
        if (end - begin != expected)
            throw new CheckpointException(path,
                $"{where} is {dtype} {SafeTensorEntry.FormatShape(shape)}, which needs {expected} bytes, but its data_offsets [{begin}, {end}] span {end - begin} bytes.");

        return new SafeTensorEntry(name, dtype, scalarType, shape, begin, end);
    }

    static long[] ReadIntegers(string path, string where, JsonElement value, string field, int? expectedCount)
    {
        if (!value.TryGetProperty(field, out var array) || array.ValueKind != JsonValueKind.Array)
            throw new CheckpointException(path, $"{where} has no array '{field}'.");
        int count = array.GetArrayLength();
        if (expectedCount is int n && count != n)
            throw new CheckpointException(path, $"{where} has {count} '{field}' values; expected {n}.");
        var result = new long[count];
        int i = 0;
        foreach (var item in array.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt64(out long v) || v < 0)
                throw new CheckpointException(path, $"{where} has '{field}' value {item.GetRawText()}; expected a non-negative integer.");
            result[i++] = v;
        }
        return result;
    }

    static void CheckLayout(string path, List<SafeTensorEntry> entries, long dataLength)
    {
        // Sorting by (begin, end) puts zero-length tensors before a tensor that starts at the same place.
        var ordered = entries.OrderBy(e => e.Begin).ThenBy(e => e.End).ToList();
        long position = 0;
        foreach (var e in ordered)
        {
            if (e.Begin < position)
                throw new CheckpointException(path, $"tensor '{e.Name}' (bytes {e.Begin}..{e.End}) overlaps the tensor before it, which ends at {position}.");
            if (e.Begin > position)
                throw new CheckpointException(path, $"tensor '{e.Name}' starts at byte {e.Begin}, leaving a gap after byte {position} that no tensor claims.");
            position = e.End;
        }
        if (position != dataLength)
            throw new CheckpointException(path, $"the tensors account for {position} data bytes but the file holds {dataLength}; it has trailing bytes or a damaged header.");
    }

    /// <summary>
    /// Writes the header JSON for the given entries, padded with spaces to a multiple of 8 bytes.
    /// </summary>
    /// <remarks>
    /// The padding is what the reference writer does: it puts the data section on an 8-byte
    /// boundary so a reader can map tensors straight from the file. Readers never require it.
    /// </remarks>
    public static byte[] Serialize(IReadOnlyList<SafeTensorEntry> entries, IReadOnlyDictionary<string, string>? metadata)
    {
        using var buffer = new MemoryStream();
        // Relaxed escaping keeps names like "blocks.0+1" readable; the output is still plain JSON.
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                writer.WriteStartObject(MetadataKey);
                foreach (var (key, value) in metadata.OrderBy(kv => kv.Key, StringComparer.Ordinal))
                    writer.WriteString(key, value);
                writer.WriteEndObject();
            }
            foreach (var e in entries)
            {
                writer.WriteStartObject(e.Name);
                writer.WriteString("dtype", e.DType);
                writer.WriteStartArray("shape");
                foreach (long d in e.Shape) writer.WriteNumberValue(d);
                writer.WriteEndArray();
                writer.WriteStartArray("data_offsets");
                writer.WriteNumberValue(e.Begin);
                writer.WriteNumberValue(e.End);
                writer.WriteEndArray();
                writer.WriteEndObject();
            }
            writer.WriteEndObject();
        }
        int length = (int)buffer.Length;
        int padded = (length + 7) / 8 * 8;
        var bytes = new byte[padded];
        buffer.GetBuffer().AsSpan(0, length).CopyTo(bytes);
        bytes.AsSpan(length).Fill((byte)' ');
        return bytes;
    }
}
