using System.Buffers.Binary;
using System.Text.Json;
using DalleOrleans.Model.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace DalleOrleans.Model.Tests;

public class CheckpointTests : CheckpointTestBase
{
    /// <summary>A trained-looking network: random weights and non-default norm statistics.</summary>
    static CheckpointTestNet MakeNet(int seed)
    {
        manual_seed(seed);
        var net = new CheckpointTestNet();
        using (no_grad())
        {
            foreach (var (name, t) in net.state_dict())
            {
                if (name.EndsWith("running_mean")) t.copy_(randn(t.shape));
                if (name.EndsWith("running_var")) t.copy_(rand(t.shape) + 0.5);
                if (name.EndsWith("num_batches_tracked")) t.fill_(seed * 10);
            }
        }
        return net;
    }

    /// <summary>Same shape, dtype and every element equal.</summary>
    static bool Same(Tensor a, Tensor b) =>
        a.shape.SequenceEqual(b.shape) && a.dtype == b.dtype && a.eq(b).all().item<bool>();

    [Fact]
    public void Fp32RoundTripIsBitExact()
    {
        using var scope = NewDisposeScope();
        var source = MakeNet(1);
        var target = MakeNet(2);
        string path = FileIn("net.safetensors");

        CheckpointIO.Save(source, path);
        CheckpointIO.LoadStrict(target, path);

        var expected = source.state_dict();
        var loaded = target.state_dict();
        Assert.Equal(expected.Keys.Order(), loaded.Keys.Order());
        foreach (var (name, t) in expected)
        {
            Assert.Equal(t.dtype, loaded[name].dtype);
            Assert.True(Same(t, loaded[name]), $"{name} differs after an fp32 round trip");
        }
        Assert.Equal(10L, loaded["norm.num_batches_tracked"].item<long>());
    }

    [Fact]
    public void Fp16RoundTripIsWithinHalfPrecisionAndHalvesTheFile()
    {
        using var scope = NewDisposeScope();
        var source = MakeNet(3);
        var target = MakeNet(4);
        string full = FileIn("full.safetensors");
        string half = FileIn("half.safetensors");

        CheckpointIO.Save(source, full);
        CheckpointIO.Save(source, half, fp16: true);
        CheckpointIO.LoadStrict(target, half);

        var header = SafeTensors.ReadHeader(half);
        foreach (var e in header.Entries)
            Assert.Equal(e.Name.EndsWith("num_batches_tracked") ? "I64" : "F16", e.DType);
        long DataBytes(string file) => SafeTensors.ReadHeader(file).Entries.Sum(e => e.ByteLength);
        Assert.True(DataBytes(half) < DataBytes(full) * 0.51, "fp16 storage should halve the tensor data");

        var loaded = target.state_dict();
        foreach (var (name, t) in source.state_dict())
        {
            Assert.Equal(t.dtype, loaded[name].dtype);   // converted back to the parameter's dtype
            // float16 keeps 11 significant bits: relative error at most 2^-11 for normal numbers.
            var error = (t.to_type(ScalarType.Float64) - loaded[name].to_type(ScalarType.Float64)).abs();
            var bound = t.to_type(ScalarType.Float64).abs() * 4.9e-4 + 1e-7;
            Assert.True((error <= bound).all().item<bool>(), $"{name} is further from its fp32 value than fp16 rounding allows");
        }
    }

    [Fact]
    public void SequentialRoundTripsThroughTheRawReader()
    {
        using var scope = NewDisposeScope();
        manual_seed(5);
        var seq = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2));
        string path = FileIn("seq.safetensors");
        CheckpointIO.Save(seq, path);

        using var file = SafeTensors.Read(path);
        Assert.Equal(new[] { "0.bias", "0.weight", "2.bias", "2.weight" }, file.Tensors.Keys.Order());
        foreach (var (name, t) in seq.state_dict())
        {
            Assert.Equal(DeviceType.CPU, file.Tensors[name].device_type);
            Assert.True(Same(t, file.Tensors[name]), name);
        }
    }

    [Fact]
    public void MetadataRoundTrips()
    {
        using var scope = NewDisposeScope();
        var metadata = new Dictionary<string, string>
        {
            ["model"] = "dvae",
            ["hidden"] = "64",
            ["note"] = "héllo ✓ \"quoted\" \\ slash",
            ["empty"] = "",
        };
        string path = FileIn("meta.safetensors");
        CheckpointIO.Save(MakeNet(6), path, metadata);

        Assert.Equal(metadata.OrderBy(kv => kv.Key), SafeTensors.ReadHeader(path).Metadata.OrderBy(kv => kv.Key));
        var returned = CheckpointIO.LoadStrict(MakeNet(7), path);
        Assert.Equal(metadata.OrderBy(kv => kv.Key), returned.OrderBy(kv => kv.Key));
    }

    [Fact]
    public void WrittenFileHasTheSafetensorsLayout()
    {
        using var scope = NewDisposeScope();
        var tensors = new Dictionary<string, Tensor>
        {
            ["b"] = tensor(new float[] { 1.5f, -2f, 3.25f }),
            ["a"] = tensor(new long[] { 7, -8, 9, 10 }, 2, 2),
            ["c"] = tensor(new float[] { 0.5f, 0.25f }).to_type(ScalarType.BFloat16),
        };
        string path = FileIn("layout.safetensors");
        SafeTensors.Write(path, tensors, new Dictionary<string, string> { ["k"] = "v" });

        byte[] bytes = File.ReadAllBytes(path);
        var (json, headerLength, data) = SplitFile(bytes);
        Assert.Equal(0, headerLength % 8);   // padded like the reference writer, so data starts 8-aligned
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        Assert.Equal("v", root.GetProperty("__metadata__").GetProperty("k").GetString());

        var expected = new (string Name, string DType, long[] Shape, int Bytes)[]
        {
            ("a", "I64", [2, 2], 32), ("b", "F32", [3], 12), ("c", "BF16", [2], 4),
        };
        long position = 0;
        foreach (var (name, dtype, shape, size) in expected)   // names in ordinal order, offsets contiguous
        {
            var entry = root.GetProperty(name);
            Assert.Equal(dtype, entry.GetProperty("dtype").GetString());
            Assert.Equal(shape, entry.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()));
            var offsets = entry.GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt64()).ToArray();
            Assert.Equal(new[] { position, position + size }, offsets);
            position += size;
        }
        Assert.Equal(position, data.Length);
        Assert.Equal(4, root.EnumerateObject().Count());

        // Raw little-endian values, as numpy would read them.
        Assert.Equal(7L, BinaryPrimitives.ReadInt64LittleEndian(data.AsSpan(0)));
        Assert.Equal(-8L, BinaryPrimitives.ReadInt64LittleEndian(data.AsSpan(8)));
        Assert.Equal(1.5f, BinaryPrimitives.ReadSingleLittleEndian(data.AsSpan(32)));
        Assert.Equal(3.25f, BinaryPrimitives.ReadSingleLittleEndian(data.AsSpan(40)));
        Assert.Equal((ushort)0x3F00, BinaryPrimitives.ReadUInt16LittleEndian(data.AsSpan(44)));   // bf16 0.5
    }

    [Fact]
    public void WritingTheSameStateTwiceGivesTheSameBytes()
    {
        using var scope = NewDisposeScope();
        var net = MakeNet(8);
        CheckpointIO.Save(net, FileIn("one.safetensors"), new Dictionary<string, string> { ["b"] = "2", ["a"] = "1" });
        CheckpointIO.Save(net, FileIn("two.safetensors"), new Dictionary<string, string> { ["a"] = "1", ["b"] = "2" });
        Assert.Equal(File.ReadAllBytes(FileIn("one.safetensors")), File.ReadAllBytes(FileIn("two.safetensors")));
    }

    [Fact]
    public void SaveReplacesAnExistingFileAndLeavesNoTempFiles()
    {
        using var scope = NewDisposeScope();
        string path = FileIn("model.safetensors");
        File.WriteAllText(path, "old content");
        CheckpointIO.Save(MakeNet(9), path);
        CheckpointIO.LoadStrict(MakeNet(10), path);
        Assert.Equal(new[] { "model.safetensors" }, Directory.GetFiles(Folder).Select(Path.GetFileName));
    }

    [Fact]
    public void HandBuiltFileAsPyTorchWritesItReadsBack()
    {
        // safetensors.torch.save_file({"w": torch.tensor([[1., 2.], [3., 4.]])}) writes exactly this.
        var data = new byte[16];
        for (int i = 0; i < 4; i++) BinaryPrimitives.WriteSingleLittleEndian(data.AsSpan(4 * i), i + 1);
        string path = FileIn("w.safetensors");
        File.WriteAllBytes(path, BuildFile("""{"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}}""", data));

        using var file = SafeTensors.Read(path);
        var w = file.Tensors["w"];
        Assert.Equal(ScalarType.Float32, w.dtype);
        Assert.Equal(new[] { 2L, 2L }, w.shape);
        Assert.Equal(new[] { 1f, 2f, 3f, 4f }, w.data<float>().ToArray());
        Assert.Empty(file.Metadata);
    }

    [Fact]
    public void EveryReadableDTypeDecodes()
    {
        var data = new List<byte>();
        void Add(params byte[] b) => data.AddRange(b);
        Add(0x00, 0x3E, 0x00, 0xC0);                         // F16 [1.5, -2]
        Add(0x40, 0x40);                                     // BF16 [3]
        Add(BitConverter.GetBytes(-5));                      // I32 [-5]
        Add(BitConverter.GetBytes(1L)); Add(BitConverter.GetBytes(-2L));   // I64 [1, -2]
        Add(1, 0);                                           // BOOL [true, false]
        Add(7, 255);                                         // U8 [7, 255]
        string json = """
            {"__metadata__":{"format":"pt"},
             "h":{"dtype":"F16","shape":[2],"data_offsets":[0,4]},
             "b":{"dtype":"BF16","shape":[1],"data_offsets":[4,6]},
             "i":{"dtype":"I32","shape":[1],"data_offsets":[6,10]},
             "l":{"dtype":"I64","shape":[2,1],"data_offsets":[10,26]},
             "m":{"dtype":"BOOL","shape":[2],"data_offsets":[26,28]},
             "u":{"dtype":"U8","shape":[2],"data_offsets":[28,30]},
             "e":{"dtype":"F32","shape":[0,3],"data_offsets":[30,30]}}
            """;
        string path = FileIn("dtypes.safetensors");
        File.WriteAllBytes(path, BuildFile(json, data.ToArray(), pad: false));

        using var file = SafeTensors.Read(path);
        var t = file.Tensors;
        Assert.Equal("pt", file.Metadata["format"]);
        Assert.Equal(ScalarType.Float16, t["h"].dtype);
        Assert.Equal(new[] { 1.5f, -2f }, t["h"].to_type(ScalarType.Float32).data<float>().ToArray());
        Assert.Equal(ScalarType.BFloat16, t["b"].dtype);
        Assert.Equal(3f, t["b"].to_type(ScalarType.Float32).item<float>());
        Assert.Equal(-5, t["i"].item<int>());
        Assert.Equal(new[] { 2L, 1L }, t["l"].shape);
        Assert.Equal(new[] { 1L, -2L }, t["l"].data<long>().ToArray());
        Assert.Equal(new[] { true, false }, t["m"].data<bool>().ToArray());
        Assert.Equal(new byte[] { 7, 255 }, t["u"].data<byte>().ToArray());
        Assert.Equal(new[] { 0L, 3L }, t["e"].shape);

        file.ConvertFloatsToFloat32();
        Assert.Equal(ScalarType.Float32, t["h"].dtype);
        Assert.Equal(ScalarType.Float32, t["b"].dtype);
        Assert.Equal(ScalarType.Int64, t["l"].dtype);
    }

    [Fact]
    public void ReadAsFloat32ConvertsHalfCheckpoints()
    {
        using var scope = NewDisposeScope();
        string path = FileIn("half.safetensors");
        CheckpointIO.Save(MakeNet(11), path, fp16: true);
        using var file = SafeTensors.ReadAsFloat32(path);
        Assert.Equal(ScalarType.Float32, file.Tensors["conv.weight"].dtype);
        Assert.Equal(ScalarType.Int64, file.Tensors["norm.num_batches_tracked"].dtype);
    }

    [Fact]
    public void StrictLoadListsMissingUnexpectedAndMisshapenNamesAtOnce()
    {
        using var scope = NewDisposeScope();
        string path = FileIn("other.safetensors");
        SafeTensors.Write(path, new Dictionary<string, Tensor>
        {
            ["conv.weight"] = zeros(8, 3, 3, 3),
            ["conv.bias"] = zeros(8),
            ["norm.weight"] = zeros(8),
            ["norm.bias"] = zeros(8),
            ["norm.running_mean"] = zeros(8),
            ["norm.running_var"] = zeros(8),
            // norm.num_batches_tracked and head.bias are missing
            ["head.weight"] = zeros(5, 9),            // should be [5, 8]
            ["extra.weight"] = zeros(2),
            ["head.scale"] = zeros(1),
        });
        var net = MakeNet(12);
        var before = net.state_dict()["conv.weight"].clone();

        var e = Assert.Throws<CheckpointException>(() => CheckpointIO.LoadStrict(net, path));

        Assert.Contains(path, e.Message);
        Assert.Contains("missing: head.bias, norm.num_batches_tracked", e.Message);
        Assert.Contains("unexpected: extra.weight, head.scale", e.Message);
        Assert.Contains("head.weight (expected [5, 8], found [5, 9])", e.Message);
        // A failed load leaves the module untouched.
        Assert.True(Same(before, net.state_dict()["conv.weight"]));
    }

    [Fact]
    public void StrictLoadReportsAShapeMismatchAlone()
    {
        using var scope = NewDisposeScope();
        string path = FileIn("wide.safetensors");
        CheckpointIO.Save(new CheckpointTestNet(outputs: 6), path);
        var e = Assert.Throws<CheckpointException>(() => CheckpointIO.LoadStrict(new CheckpointTestNet(outputs: 5), path));
        Assert.Contains("shape mismatch: head.bias (expected [5], found [6]), head.weight (expected [5, 8], found [6, 8])", e.Message);
        Assert.DoesNotContain("missing", e.Message);
        Assert.DoesNotContain("unexpected", e.Message);
    }

    [Fact]
    public void WriteRejectsBadArguments()
    {
        using var scope = NewDisposeScope();
        string path = FileIn("bad.safetensors");
        Assert.Throws<ArgumentException>(() => SafeTensors.Write(path, new Dictionary<string, Tensor> { ["__metadata__"] = zeros(1) }));
        Assert.Throws<ArgumentException>(() => SafeTensors.Write(path, new Dictionary<string, Tensor> { [""] = zeros(1) }));
        Assert.Throws<ArgumentException>(() => SafeTensors.Write(path, new Dictionary<string, Tensor> { ["x"] = zeros(1) }, floatStorage: ScalarType.Int32));
        Assert.False(File.Exists(path));
    }
}
