using DalleOrleans.Grains.Shards;
using DalleOrleans.Model;
using DalleOrleans.Model.Transformer;
using DalleOrleans.Testing;
using static TorchSharp.torch;

namespace DalleOrleans.Grains.Tests;

/// <summary>The layer ranges a device with a layer capacity loads for its shard grains, shares and frees.</summary>
public class ShardLayersTests
{
    [Fact]
    public void ARangeIsLoadedOnceSharedByItsUsersAndFreedByTheLast()
    {
        using var model = ModelBundle.Load(SharedTinyModel.Folder, CPU, withTransformer: false);
        Assert.False(model.HoldsTransformer);
        Assert.Throws<InvalidOperationException>(() => model.Transformer);
        using var layers = new ShardLayers(layerCapacity: 2);
        var range = new LayerRange(2, 2);

        var a = layers.Acquire(model, range);
        var b = layers.Acquire(model, new LayerRange(2, 2));          // another pipeline's shard of the same range
        Assert.Same(a, b);
        Assert.Equal(range, a.Held);
        Assert.Equal(2, layers.Loaded[range]);
        Assert.True(layers.Bytes > 0);

        layers.Release(model, range);
        Assert.Equal(1, layers.Loaded[range]);
        layers.Release(model, range);
        Assert.Empty(layers.Loaded);
        Assert.Equal(0, layers.Bytes);
    }

    [Fact]
    public void ARangeOverTheCapacityIsRefusedNamingTheSetting()
    {
        using var model = ModelBundle.Load(SharedTinyModel.Folder, CPU, withTransformer: false);
        using var layers = new ShardLayers(layerCapacity: 2);
        var error = Assert.Throws<ArgumentException>(() => layers.Acquire(model, new LayerRange(0, 3)));
        Assert.Contains("Model:LayersPerDevice", error.Message);
        Assert.Empty(layers.Loaded);
    }

    [Fact]
    public void ADeviceHoldingTheWholeModelLendsItInsteadOfLoadingACopy()
    {
        using var model = ModelBundle.Load(SharedTinyModel.Folder, CPU);
        using var layers = new ShardLayers(layerCapacity: 0);
        Assert.Same(model.Transformer, layers.Acquire(model, new LayerRange(1, 2)));
        Assert.Empty(layers.Loaded);
    }
}

/// <summary>A model folder whose config.json is bad fails like any load error: through the devices, not the silo's start.</summary>
public class DeviceHostConfigTests
{
    [Fact]
    public async Task ABrokenConfigIsReportedByTheDevicesLoadNamingTheFile()
    {
        string folder = Path.Combine(Path.GetTempPath(), $"dalle-bad-config-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        try
        {
            await File.WriteAllTextAsync(Path.Combine(folder, "config.json"), "{ not json");
            // The layer capacity is read before loading; a config it cannot read must not take the silo down here.
            using var host = new Devices.DeviceHost(new Devices.DeviceSettings { Path = folder, LayersPerDevice = 2 },
                Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance);
            var error = await Assert.ThrowsAsync<InvalidDataException>(() => host.WhenReady());
            Assert.Contains(Path.Combine(folder, "config.json"), error.Message);
        }
        finally { Directory.Delete(folder, recursive: true); }
    }
}
