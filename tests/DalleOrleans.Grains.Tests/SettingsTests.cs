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
}
