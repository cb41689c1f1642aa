using System.Buffers.Binary;

namespace DalleOrleans.Web.Tests;

/// <summary>Just enough PNG reading to check what the API serves: the signature and the IHDR size.</summary>
public static class Png
{
    public static readonly byte[] Signature = { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A };

    public static bool HasSignature(ReadOnlySpan<byte> bytes) => bytes.Length >= 8 && bytes[..8].SequenceEqual(Signature);

    /// <summary>Width and height from the IHDR chunk, which a valid PNG has first, right after the signature.</summary>
    public static (int Width, int Height) Size(byte[] png)
    {
        Assert.True(HasSignature(png), "not a PNG: the signature is missing");
        Assert.True(png.Length >= 24 && png[12] == 'I' && png[13] == 'H' && png[14] == 'D' && png[15] == 'R', "the PNG does not start with IHDR");
        return (BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16)), BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20)));
    }
}
