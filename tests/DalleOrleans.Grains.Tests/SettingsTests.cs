namespace DalleOrleans.Grains.Tests;

public class SettingsTests
{
    [Theory]
    [InlineData(0, 30000, "Cluster:SiloPort")]
    [InlineData(11111, 70000, "Cluster:GatewayPort")]
    [InlineData(5000, 5000, "must differ")]
    public void BadPortsNameTheField(int silo, int gateway, string expected)
    {
        var e = Assert.Throws<ArgumentException>(() => new ClusterSettings { SiloPort = silo, GatewayPort = gateway }.Validate());
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void DevicesJoinedByPlusAreRefusedPointingAtLayersPerDevice()
    {
        // One way to split a model: shard grains, one device per entry (the '+' pipelines inside one grain are gone).
        var e = Assert.Throws<ArgumentException>(() => new Devices.DeviceSettings { Devices = new[] { "cuda:0+cuda:1" } }.Validate());
        Assert.Contains("Model:Devices holds 'cuda:0+cuda:1'", e.Message);
        Assert.Contains("Model:LayersPerDevice", e.Message);
    }
}
