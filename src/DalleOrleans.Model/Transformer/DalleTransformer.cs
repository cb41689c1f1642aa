using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace DalleOrleans.Model.Transformer;

/// <summary>
/// The DALL·E transformer: one decoder-only stream of [BOS], text tokens, then image tokens.
/// </summary>
/// <remarks>
/// Inputs (T = L + N positions): [BOS], t_0 … t_{L−1}, i_0 … i_{N−2}. The output at position p &lt; L
/// predicts t_p (text head); the output at position L + k predicts image token i_k (image head).
/// A padding token is learned per text position (the paper): [PAD] at text position j is fed as id V + j.
/// Positions are learned for text and factored into row + column for image tokens.
/// </remarks>
public sealed class DalleTransformer : Module
{
    // Null in a part that does not hold them (see Held): the embeddings belong to layer 0's part, the final norm and the
    // heads to the last layer's.
    readonly Embedding? textEmbedding, textPosition, imageEmbedding, imageRow, imageColumn;
    readonly ModuleList<TransformerBlock> blocks;            // layers Held.First .. Held.End−1, in order
    readonly LayerNorm? lnFinal;
    readonly Linear? textHead, imageHead;
    readonly AttentionMaskCache _masks;

    public TransformerConfig Config { get; }

    /// <summary>
    /// The layers this instance holds: every layer for a whole model; a contiguous range for a shard's part (which also
    /// holds the embeddings when the range starts at layer 0, the final norm and heads when it ends at the last layer).
    /// </summary>
    public LayerRange Held { get; }
    public bool HoldsEveryLayer => Held.First == 0 && Held.End == Config.Layers;
    bool HoldsInput => Held.First == 0;
    bool HoldsOutput => Held.End == Config.Layers;

    public const float TextLossWeight = 1f / 8f, ImageLossWeight = 7f / 8f;

    /// <summary>The whole model, or with <paramref name="held"/> only a contiguous range of its layers (a shard's part).</summary>
    public DalleTransformer(TransformerConfig config, LayerRange? held = null) : base(nameof(DalleTransformer))
    {
        config.Validate();
        Config = config;
        Held = held ?? new LayerRange(0, config.Layers);
        if (Held.First < 0 || Held.Count < 1 || Held.End > config.Layers)
            throw new ArgumentOutOfRangeException(nameof(held), $"layers {Held.First}..{Held.End - 1} are not a range of the model's {config.Layers} layers.");
        _masks = new AttentionMaskCache(config);
        int d = config.ModelDim, L = config.TextLength;
        if (HoldsInput)
        {
            textEmbedding = Embedding(config.TextVocabSize + L + 1, d);   // words, per-position pads, BOS
            textPosition = Embedding(L + 1, d);
            imageEmbedding = Embedding(config.ImageVocabSize, d);
            imageRow = Embedding(config.GridSize, d);
            imageColumn = Embedding(config.GridSize, d);
        }
        blocks = new ModuleList<TransformerBlock>(config.Attention.Skip(Held.First).Take(Held.Count).Select(kind => new TransformerBlock(config, kind)).ToArray());
        if (HoldsOutput)
        {
            lnFinal = LayerNorm(d);
            textHead = Linear(d, config.TextVocabSize);
            imageHead = Linear(d, config.ImageVocabSize);
        }
        RegisterComponents();
        InitWeights();
    }

    /// <summary>Layer <paramref name="layer"/> (a model-wide index) of those held.</summary>
    TransformerBlock Block(int layer) => blocks[layer - Held.First];

    /// <summary>
    /// The name a parameter of this instance has in a whole model's checkpoint: a part numbers its blocks from 0, the
    /// checkpoint from the model's first layer ("blocks.0.…" of the part holding layers 3.. is "blocks.3.…").
    /// </summary>
    public string CheckpointName(string name)
    {
        const string prefix = "blocks.";
        if (Held.First == 0 || !name.StartsWith(prefix, StringComparison.Ordinal)) return name;
        int dot = name.IndexOf('.', prefix.Length);
        int local = int.Parse(name.AsSpan(prefix.Length, dot - prefix.Length));
        return $"{prefix}{local + Held.First}{name[dot..]}";
    }

    /// <summary>
    /// Loads only <paramref name="held"/>'s layers (and the embeddings or heads its range needs) from a whole model's
    /// checkpoint: a shard's device never holds the rest of the model, so a model bigger than one device can be spread.
    /// </summary>
    public static DalleTransformer LoadPart(TransformerConfig config, LayerRange held, string checkpointPath)
    {
        var part = new DalleTransformer(config, held);
        try { Checkpoints.CheckpointIO.LoadPart(part, checkpointPath, part.CheckpointName); }
        catch { part.Dispose(); throw; }
        return part;
    }

    void InitWeights()
    {
        using var _ = no_grad();
        foreach (var (name, p) in named_parameters())
        {
            if (name.EndsWith(".bias") || name.Contains("ln")) continue;
            init.normal_(p, 0, 0.02);
        }
    }

    /// <summary>The dtype the weights are held in (float32 as trained; bf16 or fp16 when served in half precision).</summary>
    public ScalarType ParameterDtype => parameters().First().dtype;

    /// <summary>Bytes of the weights held (a part's own only).</summary>
    public long ParameterBytes => parameters().Sum(p => p.NumberOfElements * p.ElementSize);

    void RequireEveryLayer(string what)
    {
        if (!HoldsEveryLayer)
            throw new InvalidOperationException($"{what} needs the whole model; this part holds layers {Held.First}..{Held.End - 1} of {Config.Layers}.");
    }

    void RequireInput()
    {
        if (!HoldsInput) throw new InvalidOperationException($"the embeddings belong to layer 0's part; this part holds layers {Held.First}..{Held.End - 1}.");
    }

    void RequireOutput()
    {
        if (!HoldsOutput) throw new InvalidOperationException($"the final norm and heads belong to the last layer's part; this part holds layers {Held.First}..{Held.End - 1}.");
    }

    /// <summary>The additive (T, T) mask for a kind on a device, built once per device (<see cref="AttentionMaskCache"/>).</summary>
    public Tensor Mask(AttentionKind kind, Device device) => _masks.Get(kind, device);

    /// <summary>(B, L) compact text ids with [PAD]=0 → (B, L+1) input ids: [BOS], then words or per-position pads.</summary>
    public Tensor TextInputIds(Tensor textTokens)
    {
        long B = textTokens.shape[0];
        int V = Config.TextVocabSize, L = Config.TextLength;
        var padIds = arange(V, V + L, dtype: int64, device: textTokens.device).unsqueeze(0);       // (1, L)
        var text = where(textTokens.eq(0), padIds, textTokens);                                   // (B, L)
        var bos = full(new long[] { B, 1 }, V + L, dtype: int64, device: textTokens.device);     // (B, 1)
        return cat(new[] { bos, text }, 1);                                                       // (B, L+1)
    }

    Tensor EmbedText(Tensor textTokens)                                    // (B, L) → (B, L+1, C)
    {
        RequireInput();
        var ids = TextInputIds(textTokens);
        var positions = arange(Config.TextLength + 1, dtype: int64, device: ids.device);
        return textEmbedding!.forward(ids) + textPosition!.forward(positions);
    }

    /// <summary>Image token embeddings plus row and column embeddings of each token's grid index.</summary>
    Tensor EmbedImage(Tensor imageTokens, Tensor gridIndex)                // (B, n), (B, n) or (n) → (B, n, C)
    {
        RequireInput();
        int G = Config.GridSize;
        return imageEmbedding!.forward(imageTokens)
             + imageRow!.forward(gridIndex.div(G, rounding_mode: RoundingMode.floor))
             + imageColumn!.forward(gridIndex.remainder(G));
    }

    /// <summary>
    /// Embeds image tokens 0..n−1 at their own grid positions, (B, n) → (B, n, C): with <see cref="EmbedPrefix"/>
    /// and <see cref="RunLayers"/> it recomputes a whole prefix without a cache (the benchmarks' baseline).
    /// </summary>
    public Tensor EmbedImagePrefix(Tensor imageTokens) =>
        EmbedImage(imageTokens, arange(imageTokens.shape[1], dtype: int64, device: imageTokens.device));

    /// <summary>Layers [from, to) over a whole prefix of the stream; optionally fills the KV cache at <paramref name="slots"/>.</summary>
    public Tensor RunLayers(Tensor h, int from, int to, KvCache? cache = null, Tensor? slots = null)
    {
        CheckRange(from, to);
        long T = h.shape[1];
        for (int i = from; i < to; i++)
        {
            var block = Block(i);
            var mask = Mask(block.Kind, h.device).narrow(0, 0, T).narrow(1, 0, T);
            h = block.Forward(h, mask, cache, i, slots);
        }
        return h;
    }

    /// <summary>Teacher-forced forward pass: (text logits (B, L, V), image logits (B, N, K)).</summary>
    public (Tensor text, Tensor image) Forward(Tensor textTokens, Tensor imageTokens)
    {
        RequireEveryLayer("the teacher-forced forward pass");
        int L = Config.TextLength, N = Config.ImageTokens;
        var gridIndex = arange(N - 1, dtype: int64, device: imageTokens.device);
        var h = cat(new[] { EmbedText(textTokens), EmbedImage(imageTokens.narrow(1, 0, N - 1), gridIndex) }, 1); // (B, T, C)
        h = lnFinal!.forward(RunLayers(h, 0, Config.Layers));
        return (textHead!.forward(h.narrow(1, 0, L)), imageHead!.forward(h.narrow(1, L, N)));
    }

    /// <summary>The paper's objective: cross-entropy weighted 1/8 on text and 7/8 on image tokens.</summary>
    public (Tensor total, Tensor text, Tensor image) Loss(Tensor textTokens, Tensor imageTokens)
    {
        var (textLogits, imageLogits) = Forward(textTokens, imageTokens);
        var textLoss = functional.cross_entropy(textLogits.reshape(-1, Config.TextVocabSize), textTokens.reshape(-1));
        var imageLoss = functional.cross_entropy(imageLogits.reshape(-1, Config.ImageVocabSize), imageTokens.reshape(-1));
        return (TextLossWeight * textLoss + ImageLossWeight * imageLoss, textLoss, imageLoss);
    }

    // ---- incremental decoding: prefill the text, then one image token per step ----
    // Two entry points, each over a contiguous layer range [from, to) so that a whole model, an in-process pipeline
    // and a shard grain on another silo all run the same code: the range that starts at layer 0 also embeds its
    // input ids, the range that ends at the last layer also applies the final norm and the image head.

    /// <summary>Embeds the text prefix (positions 0..L) of rows about to be prefilled (also the recompute baseline's start).</summary>
    public Tensor EmbedPrefix(Tensor textTokens) => EmbedText(textTokens);

    /// <summary>Final norm and image head on the last position of a prefix: logits for image token 0, (B, K).</summary>
    public Tensor PrefixLogits(Tensor h)
    {
        RequireOutput();
        return imageHead!.forward(lnFinal!.forward(h.select(1, h.shape[1] - 1)));
    }

    /// <summary>
    /// Prefills layers [from, to) for new rows, writing their keys and values into <paramref name="slots"/> of the
    /// cache. Input: text ids (b, L) when <paramref name="from"/> is 0, else the hidden state (b, L+1, C). Output: the
    /// logits of image token 0 (b, K) when <paramref name="to"/> is the last layer, else the hidden state.
    /// </summary>
    public Tensor Prefill(Tensor input, int from, int to, KvCache cache, Tensor slots)
    {
        CheckRange(from, to);
        var h = from == 0 ? EmbedPrefix(input) : input;
        h = RunLayers(h, from, to, cache, slots);
        return to == Config.Layers ? PrefixLogits(h) : h;
    }

    /// <summary>Every layer: text ids (b, L) → logits of the first image token (b, K).</summary>
    public Tensor Prefill(Tensor textTokens, KvCache cache, Tensor slots) => Prefill(textTokens, 0, Config.Layers, cache, slots);

    /// <summary>
    /// One decode step through layers [from, to) for rows 0..B−1 of the cache, row b at its own position. Input: the
    /// image tokens fed (B) when <paramref name="from"/> is 0, else the hidden state (B, 1, C). Output: logits of each
    /// row's next image token (B, K) when <paramref name="to"/> is the last layer, else the hidden state.
    /// </summary>
    public Tensor DecodeStep(Tensor input, StepPositions positions, KvCache cache, int from, int to)
    {
        CheckRange(from, to);
        var h = from == 0 ? EmbedImage(input.view(-1, 1), positions.GridIndex) : input;    // (B, 1, C)
        var maskRows = new Dictionary<AttentionKind, Tensor>();
        for (int i = from; i < to; i++)
        {
            var block = Block(i);
            if (!maskRows.TryGetValue(block.Kind, out var rows))
                maskRows[block.Kind] = rows = positions.MaskRows(Mask(block.Kind, h.device));
            h = block.Step(h, cache, i, positions.WriteIndex, rows, positions.KeyLength);
        }
        return to == Config.Layers ? imageHead!.forward(lnFinal!.forward(h.squeeze(1))) : h;
    }

    /// <summary>Every layer: image tokens (B) → logits of each row's next image token (B, K).</summary>
    public Tensor DecodeStep(Tensor imageTokens, StepPositions positions, KvCache cache) =>
        DecodeStep(imageTokens, positions, cache, 0, Config.Layers);

    void CheckRange(int from, int to)
    {
        if (from < 0 || to > Config.Layers || from >= to)
            throw new ArgumentOutOfRangeException(nameof(from), $"layers {from}..{to - 1} are not a range of the model's {Config.Layers} layers.");
        if (from < Held.First || to > Held.End)
            throw new ArgumentOutOfRangeException(nameof(from), $"layers {from}..{to - 1} are not all held here: this part holds layers {Held.First}..{Held.End - 1}.");
    }
}
