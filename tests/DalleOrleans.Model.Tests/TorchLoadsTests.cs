using DalleOrleans.Model;
using TorchSharp;

namespace DalleOrleans.Model.Tests;

public class TorchLoadsTests
{
    [Fact]
    public void LibtorchLoadsAndMultipliesMatrices()
    {
        double sum = TorchRuntime.SelfCheck();
        Assert.True(sum > 0);

        using var scope = torch.NewDisposeScope();
        var a = torch.tensor(new float[] { 1, 2, 3, 4 }, 2, 2);
        var b = torch.tensor(new float[] { 5, 6, 7, 8 }, 2, 2);
        Assert.Equal(new float[] { 19, 22, 43, 50 }, a.matmul(b).data<float>().ToArray());
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("gpu0", "not a known device")]
    [InlineData("cuda:x", "no valid device index")]
    public void BadDeviceNamesAreRejectedClearly(string name, string expected)
    {
        var e = Assert.Throws<ArgumentException>(() => TorchRuntime.ParseDevice(name));
        Assert.Contains(expected, e.Message);
        Assert.Contains("device", e.Message);
    }

    [Fact]
    public void CpuDeviceParses() => Assert.Equal(DeviceType.CPU, TorchRuntime.ParseDevice(" CPU ").type);
}
