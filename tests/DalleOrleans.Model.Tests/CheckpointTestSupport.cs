using System.Buffers.Binary;
using System.Text;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DalleOrleans.Model.Tests;

/// <summary>A small module with every kind of state a real model has: conv, linear, norm buffers (one int64).</summary>
sealed class CheckpointTestNet : nn.Module<Tensor, Tensor>
{
    readonly Conv2d conv;
    readonly BatchNorm2d norm;
    readonly Linear head;

    public CheckpointTestNet(int hidden = 8, int outputs = 5) : base(nameof(CheckpointTestNet))
    {
        conv = nn.Conv2d(3, hidden, 3);
        norm = nn.BatchNorm2d(hidden);
        head = nn.Linear(hidden, outputs);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => head.forward(norm.forward(conv.forward(x)).mean([2, 3]));
}

/// <summary>A temporary folder per test class, removed afterwards, plus helpers to hand-build files.</summary>
public abstract class CheckpointTestBase : IDisposable
{
    protected CheckpointTestBase()
    {
        TorchRuntime.Initialize();
        Folder = Directory.CreateTempSubdirectory("dalle-ckpt-").FullName;
    }

    protected string Folder { get; }

    protected string FileIn(string name) => Path.Combine(Folder, name);

    /// <summary>Lays out a safetensors file as PyTorch's writer does: length, JSON padded to 8 bytes with spaces, data.</summary>
    protected static byte[] BuildFile(string json, byte[] data, bool pad = true)
    {
        var header = Encoding.UTF8.GetBytes(json).ToList();
        while (pad && header.Count % 8 != 0) header.Add((byte)' ');
        var file = new byte[8 + header.Count + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(file, (ulong)header.Count);
        header.CopyTo(file, 8);
        data.CopyTo(file, 8 + header.Count);
        return file;
    }

    /// <summary>Splits a file into its header JSON (trailing padding removed) and data section.</summary>
    protected static (string Json, int HeaderLength, byte[] Data) SplitFile(byte[] file)
    {
        int n = checked((int)BinaryPrimitives.ReadUInt64LittleEndian(file));
        return (Encoding.UTF8.GetString(file, 8, n).TrimEnd(' '), n, file[(8 + n)..]);
    }

    public void Dispose()
    {
        try { Directory.Delete(Folder, recursive: true); } catch (IOException) { }
        GC.SuppressFinalize(this);
    }
}
