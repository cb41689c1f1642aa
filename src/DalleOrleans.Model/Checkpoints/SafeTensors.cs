using System.Buffers.Binary;
using System.Runtime.InteropServices;
using TorchSharp;

namespace DalleOrleans.Model.Checkpoints;

/// <summary>
/// Reads and writes the safetensors format, byte-compatible with PyTorch's <c>safetensors</c> library.
/// </summary>
/// <remarks>
/// Layout: an 8-byte little-endian header length N, N bytes of UTF-8 JSON
/// (<c>{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {string: string}}</c>),
/// then the raw little-endian tensor bytes, offsets relative to the end of the header.
/// Tensor bytes go straight between the file and libtorch's storage (<see cref="torch.Tensor.bytes"/>),
/// with no managed copy of the whole checkpoint.
/// </remarks>
public static class SafeTensors
{
    /// <summary>
    /// Writes tensors (and optional metadata) to <paramref name="path"/>, replacing it atomically.
    /// </summary>
    /// <param name="path">Destination file.</param>
    /// <param name="tensors">Tensors by name; any device, any layout. The caller keeps ownership.</param>
    /// <param name="metadata">String metadata stored under "__metadata__".</param>
    /// <param name="floatStorage">When set (e.g. Float16), floating-point tensors are stored in this dtype; other tensors are unchanged.</param>
    public static void Write(string path, IReadOnlyDictionary<string, torch.Tensor> tensors,
        IReadOnlyDictionary<string, string>? metadata = null, torch.ScalarType? floatStorage = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(tensors);
        if (floatStorage is torch.ScalarType f && !SafeTensorDType.IsFloating(f))
            throw new ArgumentException($"floatStorage must be a floating-point type (Float32, Float16, BFloat16, Float64), not {f}.", nameof(floatStorage));
        RequireLittleEndian();
        TorchRuntime.Initialize();

        // Names in ordinal order: the same state dict always gives the same bytes.
        var names = tensors.Keys.OrderBy(n => n, StringComparer.Ordinal).ToList();
        var entries = new List<SafeTensorEntry>(names.Count);
        long offset = 0;
        foreach (var name in names)
        {
            var entry = PlanEntry(name, tensors[name], floatStorage, offset);
            entries.Add(entry);
            offset = entry.End;
        }
        byte[] header = SafeTensorHeader.Serialize(entries, metadata);

        string full = Path.GetFullPath(path);
        string directory = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(directory);
        // The temp file sits beside the target so the final move is a rename on one file system:
        // a reader never sees a half-written checkpoint, and a crash leaves the old file intact.
        string temp = Path.Combine(directory, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1 << 16))
            {
                Span<byte> length = stackalloc byte[8];
                BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
                stream.Write(length);
                stream.Write(header);
                foreach (var entry in entries)
                    WriteData(stream, tensors[entry.Name], entry.ScalarType);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        catch (Exception e)
        {
            TryDelete(temp);
            if (e is IOException or UnauthorizedAccessException)
                throw new CheckpointException(path, $"could not be written: {e.Message}", e);
            throw;
        }
    }

    static SafeTensorEntry PlanEntry(string name, torch.Tensor tensor, torch.ScalarType? floatStorage, long offset)
    {
        if (string.IsNullOrEmpty(name))
            throw new ArgumentException("A tensor name is empty; safetensors needs a non-empty name for every tensor.", nameof(name));
        if (name == SafeTensorHeader.MetadataKey)
            throw new ArgumentException($"'{SafeTensorHeader.MetadataKey}' is reserved for metadata and cannot name a tensor.", nameof(name));
        if (tensor is null)
            throw new ArgumentException($"Tensor '{name}' is null.", nameof(tensor));
        if (tensor.is_sparse)
            throw new ArgumentException($"Tensor '{name}' is sparse; safetensors stores dense tensors only.", nameof(tensor));

        var stored = floatStorage is torch.ScalarType f && SafeTensorDType.IsFloating(tensor.dtype) ? f : tensor.dtype;
        string dtype = SafeTensorDType.NameOf(stored)
            ?? throw new ArgumentException($"Tensor '{name}' has dtype {stored}, which safetensors cannot store here (known: {string.Join(", ", SafeTensorDType.Names)}).", nameof(tensor));
        SafeTensorDType.TryParse(dtype, out _, out int elementSize);
        long[] shape = tensor.shape;
        long bytes = checked(tensor.numel() * elementSize);
        return new SafeTensorEntry(name, dtype, stored, shape, offset, offset + bytes);
    }

    static void WriteData(Stream stream, torch.Tensor tensor, torch.ScalarType stored)
    {
        if (tensor.numel() == 0) return;
        // The scope disposes only the copies made here, never the caller's tensor.
        using var scope = torch.NewDisposeScope();
        var cpu = tensor.detach().to(torch.CPU).to_type(stored).contiguous();
        stream.Write(cpu.bytes);
    }

    /// <summary>
    /// Reads every tensor and the metadata; tensors come back on the CPU in their stored dtype.
    /// </summary>
    /// <exception cref="CheckpointException">The file is missing, unreadable or not a valid safetensors file.</exception>
    public static SafeTensorFile Read(string path) => Read(path, include: null);

    /// <summary>
    /// Reads only the tensors whose names <paramref name="include"/> accepts (every tensor when null), and the metadata:
    /// a shard loads its own layers from a whole model's file without ever holding the rest.
    /// </summary>
    public static SafeTensorFile Read(string path, Func<string, bool>? include)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        RequireLittleEndian();
        TorchRuntime.Initialize();
        using var stream = Open(path);
        var (header, dataStart) = ReadHeader(path, stream);

        var tensors = new Dictionary<string, torch.Tensor>(StringComparer.Ordinal);
        try
        {
            foreach (var entry in header.Entries.Where(e => include is null || include(e.Name)).OrderBy(e => e.Begin))
                tensors.Add(entry.Name, ReadTensor(path, stream, dataStart, entry));
        }
        catch
        {
            foreach (var t in tensors.Values) t.Dispose();
            throw;
        }
        return new SafeTensorFile(path, tensors, header.Metadata);
    }

    /// <summary>Reads a file and converts its floating-point tensors to float32 (what the model computes in).</summary>
    public static SafeTensorFile ReadAsFloat32(string path) => Read(path).ConvertFloatsToFloat32();

    /// <summary>Reads only the header: the tensor list and the metadata, without loading any data.</summary>
    /// <remarks>Lets a caller learn a model's hyperparameters from the metadata before building the module.</remarks>
    public static SafeTensorHeader.Parsed ReadHeader(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        using var stream = Open(path);
        return ReadHeader(path, stream).Header;
    }

    static FileStream Open(string path)
    {
        try
        {
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new CheckpointException(path, "the file does not exist.", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CheckpointException(path, $"the file cannot be opened: {e.Message}", e);
        }
    }

    static (SafeTensorHeader.Parsed Header, long DataStart) ReadHeader(string path, FileStream stream)
    {
        try
        {
            long fileLength = stream.Length;
            if (fileLength < 8)
                throw new CheckpointException(path, $"the file is {fileLength} bytes long, too short for the 8-byte header length; it is empty, truncated or not a safetensors file.");
            Span<byte> prefix = stackalloc byte[8];
            stream.ReadExactly(prefix);
            ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
            if (headerLength == 0)
                throw new CheckpointException(path, "the header length is 0; a safetensors header is at least '{}'.");
            if (headerLength > SafeTensorHeader.MaxHeaderBytes)
                throw new CheckpointException(path, $"the header length is {headerLength} bytes, over the {SafeTensorHeader.MaxHeaderBytes / 1_000_000} MB limit; the file is corrupt or not a safetensors file.");
            if ((long)headerLength > fileLength - 8)
                throw new CheckpointException(path, $"the header length is {headerLength} bytes but only {fileLength - 8} bytes follow it; the file is truncated or corrupt.");

            var json = new byte[(int)headerLength];
            stream.ReadExactly(json);
            long dataStart = 8 + (long)headerLength;
            return (SafeTensorHeader.Parse(path, json, fileLength - dataStart), dataStart);
        }
        catch (Exception e) when (e is IOException)
        {
            throw new CheckpointException(path, $"the header cannot be read: {e.Message}", e);
        }
    }

    static torch.Tensor ReadTensor(string path, FileStream stream, long dataStart, SafeTensorEntry entry)
    {
        if (entry.ByteLength > int.MaxValue)
            throw new CheckpointException(path, $"tensor '{entry.Name}' is {entry.ByteLength} bytes; tensors over 2 GiB are not supported by this reader.");
        torch.Tensor tensor;
        try
        {
            tensor = torch.empty(entry.Shape, dtype: entry.ScalarType, device: torch.CPU);
        }
        catch (ExternalException e)
        {
            throw new CheckpointException(path, $"tensor '{entry.Name}' ({entry.DType} {entry.ShapeText}) cannot be allocated: {e.Message}", e);
        }
        if (entry.ByteLength == 0) return tensor;
        try
        {
            stream.Position = dataStart + entry.Begin;
            // Reads straight into libtorch's storage: no managed copy of the tensor.
            stream.ReadExactly(tensor.bytes);
            return tensor;
        }
        catch (Exception e) when (e is IOException)
        {
            tensor.Dispose();
            throw new CheckpointException(path, $"tensor '{entry.Name}' cannot be read: {e.Message}", e);
        }
    }

    static void RequireLittleEndian()
    {
        // safetensors data is little-endian and is copied as is; a big-endian host would need byte swaps.
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException("safetensors I/O here assumes a little-endian host.");
    }

    static void TryDelete(string file)
    {
        try { File.Delete(file); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
