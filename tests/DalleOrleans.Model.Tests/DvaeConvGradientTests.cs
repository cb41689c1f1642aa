using DalleOrleans.Model.Dvae;
using TorchSharp;
using static TorchSharp.torch;

namespace DalleOrleans.Model.Tests;

/// <summary>
/// Guards the oneDNN workaround in <see cref="CpuSafeConv2d"/>: input and weight gradients must match a
/// float64 computation (which libtorch runs without oneDNN) for widths that are not multiples of 16.
/// </summary>
public class DvaeConvGradientTests
{
    public DvaeConvGradientTests() => TorchRuntime.Initialize();

    [Theory]
    [InlineData(32, 8, 3)]
    [InlineData(8, 2, 3)]
    [InlineData(16, 24, 3)]
    [InlineData(3, 8, 7)]
    [InlineData(32, 6, 1)]
    public void GradientsMatchAFloat64Reference(int inChannels, int outChannels, int kernel)
    {
        torch.manual_seed(11);
        for (int repeat = 0; repeat < 4; repeat++)   // the oneDNN fault was intermittent
        {
            using var scope = torch.NewDisposeScope();
            var conv = DvaeConv.Create(inChannels, outChannels, kernel);
            var x = torch.randn(4, inChannels, 16, 16, requires_grad: true);   // (B, in, H, W)
            var y = conv.forward(x);                                            // (B, out, H, W)
            var upstream = torch.randn_like(y);
            (y * upstream).sum().backward();

            var x64 = x.detach().to(ScalarType.Float64).requires_grad_(true);
            var w64 = conv.Weight.detach().to(ScalarType.Float64).requires_grad_(true);
            var y64 = nn.functional.conv2d(x64, w64, conv.Bias!.detach().to(ScalarType.Float64),
                padding: new long[] { (kernel - 1) / 2, (kernel - 1) / 2 });
            var grads = torch.autograd.grad(new[] { (y64 * upstream.to(ScalarType.Float64)).sum() }, new[] { x64, w64 });

            AssertClose(y64, y, "output");
            AssertClose(grads[0], x.grad!, "input gradient");
            AssertClose(grads[1], conv.Weight.grad!, "weight gradient");
        }
    }

    static void AssertClose(Tensor expected, Tensor actual, string what)
    {
        var e = expected.to(ScalarType.Float64);
        var diff = (actual.to(ScalarType.Float64) - e).abs().max().item<double>();
        double scale = Math.Max(1e-6, e.abs().max().item<double>());
        Assert.True(diff <= 1e-4 * scale, $"{what}: max |difference| {diff} against max |value| {scale}");
    }
}
