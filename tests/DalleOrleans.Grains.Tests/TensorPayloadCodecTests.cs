using DalleOrleans.Abstractions;
using DalleOrleans.Grains.Shards;
using DalleOrleans.Testing;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using Orleans.TestingHost;
using static TorchSharp.torch;

namespace DalleOrleans.Grains.Tests;

/// <summary>Hidden states cross silos as raw bytes in their own dtype, through the hand-written codec.</summary>
public class TensorPayloadCodecTests(GenerationCluster cluster) : IClassFixture<GenerationCluster>
{
    Serializer Serializer => ((InProcessSiloHandle)cluster.Cluster.Primary).SiloHost.Services.GetRequiredService<Serializer>();

    [Theory]
    [InlineData(ScalarType.Float32)]
    [InlineData(ScalarType.BFloat16)]
    [InlineData(ScalarType.Int64)]
    public void ATensorRoundTripsBitForBitInItsOwnDtype(ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        var original = (randn(3, 1, 5) * 100).to_type(dtype);                       // (B, 1, C) like a step's hidden state
        var payload = TensorWire.ToPayload(original);
        Assert.Equal(original.numel() * original.element_size(), payload.Data.Length);   // no text, no widening

        var bytes = Serializer.SerializeToArray(payload);
        Assert.True(bytes.Length < payload.Data.Length + 64, $"{bytes.Length} bytes on the wire for {payload.Data.Length} bytes of data");
        var back = TensorWire.ToTensor(Serializer.Deserialize<TensorPayload>(bytes), CPU);
        Assert.Equal(dtype, back.dtype);
        Assert.Equal(new long[] { 3, 1, 5 }, back.shape);
        Assert.Equal(original.bytes.ToArray(), back.bytes.ToArray());
    }

    [Fact]
    public void APayloadWhoseBytesDoNotMatchItsShapeIsRefused()
    {
        var e = Assert.Throws<ArgumentException>(() => new TensorPayload((byte)ScalarType.Float32, new long[] { 2, 3 }, new byte[20]));
        Assert.Contains("needs 24 bytes", e.Message);
    }
}
