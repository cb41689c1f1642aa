using DalleOrleans.Abstractions;
using DalleOrleans.Grains.Devices;
using DalleOrleans.Grains.Placement;
using DalleOrleans.Model;
using DalleOrleans.Model.Transformer;
using Orleans.Concurrency;
using static TorchSharp.torch;

namespace DalleOrleans.Grains.Shards;

/// <summary>
/// A contiguous layer range of the transformer on one device, serving one pipeline's lanes (micro-batches). A thin
/// front for the device's executor thread, like <see cref="DeviceGrain"/>: every tensor, the lanes' KV caches
/// included, is created, used and freed on that thread. Its first call takes the range's weights from the device
/// (<see cref="ShardLayers"/>: loaded from the checkpoint unless the device holds the whole model); deactivation gives
/// them back. Reentrant, so that lanes' calls queue on the device together and S micro-batches keep S shards busy at once.
/// </summary>
[DevicePlacement, Reentrant]
public sealed class ShardGrain(DeviceHost host, ShardStats stats, ILocalSiloDetails silo) : Grain, IShardGrain
{
    ShardKey? _key;
    readonly Dictionary<int, KvCache> _lanes = new();       // touched only on the device thread
    DalleTransformer? _weights;                              // the range's weights, once acquired (device thread)

    ShardKey Key => _key ??= ShardKey.Parse(this.GetPrimaryKeyString());

    DeviceExecutor Executor =>
        host.TryGetLocal(silo.SiloAddress, Key.DeviceKey, out var executor)
            ? executor
            : throw new InvalidOperationException($"shard grain {this.GetPrimaryKeyString()} activated on {silo.SiloAddress}, away from its device.");

    // Input: ids for the first shard, a hidden state otherwise; output: logits from the last shard, a hidden state otherwise.
    public Task<TensorPayload> Prefill(int lane, int rows, TensorPayload input, int[] slots) => Run(lane, rows, (weights, cache, device) =>
        weights.Prefill(TensorWire.ToTensor(input, device), Key.FirstLayer, Key.EndLayer, cache, TensorWire.Indices(slots, device)));

    public Task<TensorPayload> Step(int lane, int rows, TensorPayload input, int[] positions) => Run(lane, rows, (weights, cache, device) =>
        weights.DecodeStep(TensorWire.ToTensor(input, device), new StepPositions(weights.Config, positions, device),
            cache, Key.FirstLayer, Key.EndLayer));

    public Task CopySlot(int lane, int from, int to) => Executor.Run(_ =>
    {
        if (_lanes.TryGetValue(lane, out var cache)) cache.CopySlot(from, to);
        return true;
    });

    public async Task Release()
    {
        await FreeLanes();
        DeactivateOnIdle();
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        try { await FreeLanes(); } catch (ObjectDisposedException) { }     // the device is already gone with its memory
    }

    Task FreeLanes() => Executor.Run(model =>
    {
        foreach (var cache in _lanes.Values) cache.Dispose();
        _lanes.Clear();
        if (_weights is not null) Executor.Layers.Release(model, Range);
        _weights = null;
        return true;
    });

    LayerRange Range => new(Key.FirstLayer, Key.LayerCount);

    Task<TensorPayload> Run(int lane, int rows, Func<DalleTransformer, KvCache, Device, Tensor> work)
    {
        if (lane is < 0 or > 64) throw new ArgumentOutOfRangeException(nameof(lane), lane, "lane must be between 0 and 64.");
        if (rows is < 1 or > 4096) throw new ArgumentOutOfRangeException(nameof(rows), rows, "rows must be between 1 and 4096.");
        return Executor.Run(model =>
        {
            if (Key.EndLayer > model.Config.Transformer.Layers)
                throw new ArgumentException($"shard layers {Key.FirstLayer}..{Key.EndLayer - 1} are outside the model's {model.Config.Transformer.Layers} layers.");
            var weights = _weights ??= Executor.Layers.Acquire(model, Range);
            if (!_lanes.TryGetValue(lane, out var cache) || cache.Slots != rows)
            {
                cache?.Dispose();
                _lanes[lane] = cache = new KvCache(model.Config.Transformer, rows, model.Device, weights.ParameterDtype, firstLayer: Key.FirstLayer, layerCount: Key.LayerCount);
            }
            long started = System.Diagnostics.Stopwatch.GetTimestamp();
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var output = TensorWire.ToPayload(work(weights, cache, model.Device));
            stats.Add(System.Diagnostics.Stopwatch.GetTimestamp() - started);
            return output;
        });
    }
}
