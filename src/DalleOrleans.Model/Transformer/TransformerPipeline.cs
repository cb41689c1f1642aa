using static TorchSharp.torch;

namespace DalleOrleans.Model.Transformer;

/// <summary>
/// The whole transformer on one device with its KV cache: the token pipeline of a device that holds every layer (and
/// of the in-process <see cref="Generation.Generator"/>). A model split over devices is a pipeline of shard grains
/// instead (DalleOrleans.Grains.Shards), each holding a layer range; both run <see cref="DalleTransformer"/>'s range
/// entry points, so the same seed gives the same tokens however the layers are split.
/// </summary>
public sealed class TransformerPipeline : ITokenPipeline
{
    readonly DalleTransformer _model;
    readonly KvCache _cache;
    readonly Device _device;

    public TransformerPipeline(DalleTransformer model, int rows, Device device)
    {
        if (!model.HoldsEveryLayer)
            throw new ArgumentException($"a one-device pipeline needs every layer; this part holds layers {model.Held.First}..{model.Held.End - 1}.", nameof(model));
        _model = model;
        _device = device;
        // The cache holds keys and values in the weights' dtype: a bf16 model would otherwise meet float32 rows in attention.
        _cache = new KvCache(model.Config, rows, device, model.ParameterDtype);
    }

    public TransformerConfig Config => _model.Config;
    public Device InputDevice => _device;
    public int Rows => _cache.Slots;
    public long CacheBytes => _cache.Bytes;

    /// <summary>Runs the text of new rows through every layer into their cache <paramref name="slots"/>; logits of image token 0, (b, K).</summary>
    public Tensor Prefill(Tensor textTokens, Tensor slots) => _model.Prefill(textTokens.to(_device), _cache, slots.to(_device));

    /// <summary>One decode step for rows 0..B−1, each at its own position; logits of each row's next image token, (B, K).</summary>
    public Tensor DecodeStep(Tensor imageTokens, int[] positions) =>
        _model.DecodeStep(imageTokens.to(_device), new StepPositions(Config, positions, _device), _cache);

    /// <summary>Moves one stream's cached keys and values between slots.</summary>
    public void CopySlot(int from, int to) => _cache.CopySlot(from, to);

    public void Dispose() => _cache.Dispose();
}
