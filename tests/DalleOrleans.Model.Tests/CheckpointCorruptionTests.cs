using System.Buffers.Binary;
using System.Text;
using DalleOrleans.Model.Checkpoints;
using static TorchSharp.torch;

namespace DalleOrleans.Model.Tests;

/// <summary>Every way a checkpoint file can be damaged gives a CheckpointException naming the file and the problem.</summary>
public class CheckpointCorruptionTests : CheckpointTestBase
{
    /// <summary>A valid file from the real writer, as bytes.</summary>
    byte[] ValidFile()
    {
        using var scope = NewDisposeScope();
        manual_seed(1);
        string path = FileIn("valid.safetensors");
        CheckpointIO.Save(new CheckpointTestNet(), path, new Dictionary<string, string> { ["k"] = "v" });
        return File.ReadAllBytes(path);
    }

    /// <summary>Writes the bytes to a file and asserts that reading it fails with a message naming the file and the problem.</summary>
    CheckpointException AssertRejected(byte[] bytes, string expected, string name = "bad.safetensors")
    {
        string path = FileIn(name);
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<CheckpointException>(() => SafeTensors.Read(path).Dispose());
        Assert.Contains(path, e.Message);
        Assert.Contains(expected, e.Message);
        Assert.Equal(path, e.FilePath);
        // Loading into a module goes through the same reader.
        var viaModule = Assert.Throws<CheckpointException>(() => CheckpointIO.LoadStrict(new CheckpointTestNet(), path));
        Assert.Contains(expected, viaModule.Message);
        return e;
    }

    static byte[] F32Data(int count) => new byte[4 * count];

    [Fact]
    public void MissingFileIsReported()
    {
        string path = FileIn("nowhere.safetensors");
        var e = Assert.Throws<CheckpointException>(() => SafeTensors.Read(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("does not exist", e.Message);
        Assert.Throws<CheckpointException>(() => SafeTensors.Read(FileIn("no-folder/x.safetensors")));
    }

    [Fact]
    public void EmptyFileIsReported() => AssertRejected([], "0 bytes long");

    [Fact]
    public void TruncationAnywhereIsReported()
    {
        byte[] file = ValidFile();
        int headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(file);
        int[] cuts = [1, 4, 7, 8, 9, 8 + headerLength / 2, 8 + headerLength, 8 + headerLength + 1, (file.Length + 8 + headerLength) / 2, file.Length - 1];
        foreach (int cut in cuts)
        {
            var e = AssertRejected(file[..cut], "", $"cut-{cut}.safetensors");
            Assert.Matches("truncated|too short|holds only|bytes follow", e.Message);
        }
    }

    [Fact]
    public void TrailingBytesAreReported()
    {
        byte[] file = [.. ValidFile(), 0, 0, 0, 0];
        AssertRejected(file, "trailing bytes");
    }

    [Theory]
    [InlineData(0UL, "header length is 0")]
    [InlineData(100_000_001UL, "over the 100 MB limit")]
    [InlineData(ulong.MaxValue, "over the 100 MB limit")]
    [InlineData(1UL << 63, "over the 100 MB limit")]
    public void AbsurdHeaderLengthsAreReported(ulong length, string expected)
    {
        byte[] file = ValidFile();
        BinaryPrimitives.WriteUInt64LittleEndian(file, length);
        AssertRejected(file, expected);
    }

    [Fact]
    public void HeaderLengthPastTheEndIsReported()
    {
        byte[] file = ValidFile();
        BinaryPrimitives.WriteUInt64LittleEndian(file, (ulong)file.Length);
        AssertRejected(file, $"only {file.Length - 8} bytes follow it");
    }

    [Fact]
    public void HeaderLengthTooShortGivesBrokenJson()
    {
        byte[] file = ValidFile();
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(file);
        BinaryPrimitives.WriteUInt64LittleEndian(file, n - 9);
        AssertRejected(file, "not valid JSON");
    }

    [Theory]
    [InlineData("{not json at all", "not valid JSON")]
    [InlineData("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}", "not valid JSON")]
    [InlineData("[1, 2, 3]", "not a JSON object")]
    [InlineData("garbage!", "not a JSON object")]
    [InlineData("        ", "not a JSON object")]
    public void GarbageHeadersAreReported(string json, string expected) =>
        AssertRejected(BuildFile(json, F32Data(1)), expected);

    [Fact]
    public void InvalidUtf8InTheHeaderIsReported()
    {
        byte[] file = BuildFile("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", F32Data(1));
        file[10] = 0xFF;   // inside the name "w"
        AssertRejected(file, "not valid UTF-8");
    }

    [Theory]
    [InlineData("""{"w":{"dtype":"Q4","shape":[1],"data_offsets":[0,4]}}""", "dtype 'Q4'")]
    [InlineData("""{"w":{"shape":[1],"data_offsets":[0,4]}}""", "no string 'dtype'")]
    [InlineData("""{"w":{"dtype":"F32","data_offsets":[0,4]}}""", "no array 'shape'")]
    [InlineData("""{"w":{"dtype":"F32","shape":[1]}}""", "no array 'data_offsets'")]
    [InlineData("""{"w":{"dtype":"F32","shape":[1],"data_offsets":[0]}}""", "expected 2")]
    [InlineData("""{"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}""", "non-negative integer")]
    [InlineData("""{"w":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}}""", "non-negative integer")]
    [InlineData("""{"w":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}}""", "end is before the beginning")]
    [InlineData("""{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,40]}}""", "holds only 4 bytes")]
    [InlineData("""{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}""", "needs 8 bytes")]
    [InlineData("""{"w":{"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,4]}}""", "overflows")]
    [InlineData("""{"w":5}""", "not an object")]
    [InlineData("""{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""", "names 'w' twice")]
    [InlineData("""{"__metadata__":{"k":1},"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""", "only string values")]
    [InlineData("""{"__metadata__":[1],"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""", "requires an object of strings")]
    [InlineData("""{"":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""", "empty name")]
    public void BadEntriesAreReported(string json, string expected) =>
        AssertRejected(BuildFile(json, F32Data(1)), expected);

    [Theory]
    [InlineData("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}""", "overlaps")]
    [InlineData("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""", "overlaps")]
    [InlineData("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}""", "gap")]
    [InlineData("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}""", "gap")]
    public void OverlapsAndGapsAreReported(string json, string expected) =>
        AssertRejected(BuildFile(json, F32Data(3)), expected);

    [Fact]
    public void ErrorsNameTheOffendingTensor()
    {
        var e = AssertRejected(BuildFile("""{"blocks.3.attn.weight":{"dtype":"F32","shape":[3],"data_offsets":[0,4]}}""", F32Data(1)), "needs 12 bytes");
        Assert.Contains("'blocks.3.attn.weight'", e.Message);
    }

    [Fact]
    public void HeaderOnlyReadRejectsTheSameDamage()
    {
        string path = FileIn("headeronly.safetensors");
        File.WriteAllBytes(path, Encoding.ASCII.GetBytes("PK\u0003\u0004 this is a zip file, not safetensors"));
        var e = Assert.Throws<CheckpointException>(() => SafeTensors.ReadHeader(path));
        Assert.Contains(path, e.Message);
    }
}
