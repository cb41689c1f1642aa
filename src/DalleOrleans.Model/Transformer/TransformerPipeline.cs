using static TorchSharp.torch;

namespace DalleOrleans.Model.Transformer;

/// <summary>
/// A transformer run as an ordered list of shards: contiguous layer ranges, each on its own device with its
/// own KV cache. The hidden state moves from shard to shard; one shard holding every layer is the default.
/// The arithmetic is the same however the layers are split, so the same seed gives the same tokens.
/// </summary>
public sealed class TransformerPipeline : ITokenPipeline
{
    readonly DalleTransformer _model;
    readonly (LayerRange Range, Device Device, KvCache Cache)[] _shards;

    public TransformerPipeline(DalleTransformer model, int rows, IReadOnlyList<(LayerRange Range, Device Device)> shards)
    {
        if (shards.Count == 0) throw new ArgumentException("a pipeline needs at least one shard.", nameof(shards));
        int expect = 0;
        foreach (var (range, _) in shards)
        {
            if (range.First != expect || range.Count < 1)
                throw new ArgumentException($"shard {range} does not continue at layer {expect}; shards must cover the layers in order.", nameof(shards));
            expect = range.End;
        }
        if (expect != model.Config.Layers)
            throw new ArgumentException($"the shards cover {expect} of {model.Config.Layers} layers.", nameof(shards));
        _model = model;
        model.Place(shards[0].Device, layer => shards.First(s => layer < s.Range.End).Device, shards[^1].Device);
        // The cache holds keys and values in the weights' dtype: a bf16 model would otherwise meet float32 rows in attention.
        var dtype = model.ParameterDtype;
        _shards = shards.Select(s => (s.Range, s.Device, new KvCache(model.Config, rows, s.Device, dtype, firstLayer: s.Range.First, layerCount: s.Range.Count))).ToArray();
    }

    /// <summary>One shard on one device: the whole model.</summary>
    public TransformerPipeline(DalleTransformer model, int rows, Device device)
        : this(model, rows, new[] { (new LayerRange(0, model.Config.Layers), device) }) { }

    /// <summary>Even split of the layers into <paramref name="shardCount"/> shards, placed round-robin on <paramref name="devices"/>.</summary>
    public static IReadOnlyList<(LayerRange Range, Device Device)> EvenSplit(int layers, int shardCount, IReadOnlyList<Device> devices)
    {
        if (shardCount < 1 || shardCount > layers)
            throw new ArgumentException($"shards per pipeline is {shardCount}; it must be between 1 and the model's {layers} layers.");
        var result = new List<(LayerRange, Device)>();
        int first = 0;
        for (int s = 0; s < shardCount; s++)
        {
            int count = layers / shardCount + (s < layers % shardCount ? 1 : 0);
            result.Add((new LayerRange(first, count), devices[s % devices.Count]));
            first += count;
        }
        return result;
    }

    public TransformerConfig Config => _model.Config;
    public Device InputDevice => _shards[0].Device;
    public int ShardCount => _shards.Length;
    public int Rows => _shards[0].Cache.Slots;
    public long CacheBytes => _shards.Sum(s => s.Cache.Bytes);

    /// <summary>Runs the text of new rows through every shard into their cache <paramref name="slots"/>; logits of image token 0, (b, K).</summary>
    public Tensor Prefill(Tensor textTokens, Tensor slots)
    {
        var h = textTokens;
        foreach (var (range, device, cache) in _shards)
            h = _model.Prefill(h.to(device), range.First, range.End, cache, slots.to(device));
        return h;
    }

    /// <summary>One decode step for rows 0..B−1, each at its own position; logits of each row's next image token, (B, K).</summary>
    public Tensor DecodeStep(Tensor imageTokens, int[] positions)
    {
        var onDevice = new Dictionary<string, StepPositions>();     // the step's index tensors, once per device
        StepPositions At(Device device)
        {
            string key = device.ToString();
            if (!onDevice.TryGetValue(key, out var p)) onDevice[key] = p = new StepPositions(Config, positions, device);
            return p;
        }
        var h = imageTokens;
        foreach (var (range, device, cache) in _shards)
            h = _model.DecodeStep(h.to(device), At(device), cache, range.First, range.End);
        return h;
    }

    /// <summary>Moves one stream's cached keys and values between slots on every shard.</summary>
    public void CopySlot(int from, int to)
    {
        foreach (var shard in _shards) shard.Cache.CopySlot(from, to);
    }

    public void Dispose()
    {
        foreach (var shard in _shards) shard.Cache.Dispose();
    }
}
