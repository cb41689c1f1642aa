namespace DalleOrleans.Model.Reranker;

/// <summary>
/// Sizes of the contrastive text–image reranker (the paper's CLIP stand-in, section 2.5). Saved as JSON
/// beside the weights; the checkpoint's config decides every size.
/// </summary>
public sealed record RerankerConfig
{
    /// <summary>Token id reserved for padding: ignored by attention and pooling.</summary>
    public const long PadToken = 0;

    /// <summary>Text vocabulary size including <see cref="PadToken"/>; set when building from the tokenizer.</summary>
    public int TextVocabSize { get; init; }

    /// <summary>Maximum text length in tokens (the learned position table's length).</summary>
    public int TextLength { get; init; } = 32;

    /// <summary>Width of the shared text–image embedding space.</summary>
    public int EmbedDim { get; init; } = 128;

    /// <summary>Transformer width of the text encoder.</summary>
    public int TextWidth { get; init; } = 128;

    /// <summary>Transformer layers of the text encoder.</summary>
    public int TextLayers { get; init; } = 2;

    /// <summary>Attention heads per text layer; must divide <see cref="TextWidth"/>.</summary>
    public int TextHeads { get; init; } = 4;

    /// <summary>Hidden width of each text layer's MLP, as a multiple of <see cref="TextWidth"/>.</summary>
    public int TextMlpRatio { get; init; } = 4;

    /// <summary>Side of the square input image in pixels.</summary>
    public int ImageSize { get; init; } = 64;

    /// <summary>Image channels (3 for RGB).</summary>
    public int ImageChannels { get; init; } = 3;

    /// <summary>Channels of the image encoder's stem; each stage doubles them.</summary>
    public int ImageWidth { get; init; } = 32;

    /// <summary>Image encoder stages; each halves the resolution with a stride-2 convolution.</summary>
    public int ImageStages { get; init; } = 3;

    /// <summary>GroupNorm groups in the image encoder; must divide <see cref="ImageWidth"/>.</summary>
    public int ImageNormGroups { get; init; } = 8;

    /// <summary>Channels after stage <paramref name="stage"/> (0 = stem): ImageWidth·2^stage.</summary>
    public long ImageStageWidth(int stage) => (long)ImageWidth << stage;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first field outside its limits.</summary>
    public void Validate()
    {
        Require(TextVocabSize >= 2 && TextVocabSize <= 1 << 22, nameof(TextVocabSize),
            $"must be in 2..{1 << 22} (set it from the tokenizer's vocabulary, pad token 0 included); got {TextVocabSize}");
        Require(TextLength >= 1 && TextLength <= 4096, nameof(TextLength), $"must be in 1..4096; got {TextLength}");
        Require(EmbedDim >= 1 && EmbedDim <= 65536, nameof(EmbedDim), $"must be in 1..65536; got {EmbedDim}");
        Require(TextWidth >= 1 && TextWidth <= 65536, nameof(TextWidth), $"must be in 1..65536; got {TextWidth}");
        Require(TextLayers >= 1 && TextLayers <= 256, nameof(TextLayers), $"must be in 1..256; got {TextLayers}");
        Require(TextHeads >= 1 && TextWidth % TextHeads == 0, nameof(TextHeads), $"must be ≥ 1 and divide TextWidth {TextWidth}; got {TextHeads}");
        Require(TextMlpRatio >= 1 && TextMlpRatio <= 64, nameof(TextMlpRatio), $"must be in 1..64; got {TextMlpRatio}");
        Require(ImageChannels >= 1 && ImageChannels <= 64, nameof(ImageChannels), $"must be in 1..64; got {ImageChannels}");
        Require(ImageStages >= 0 && ImageStages <= 12, nameof(ImageStages), $"must be in 0..12; got {ImageStages}");
        Require(ImageSize >= 1 << ImageStages && ImageSize <= 8192, nameof(ImageSize),
            $"must be in 2^ImageStages = {1 << ImageStages}..8192 so every stage keeps at least one pixel; got {ImageSize}");
        Require(ImageWidth >= 1 && ImageWidth <= 4096, nameof(ImageWidth), $"must be in 1..4096; got {ImageWidth}");
        Require(ImageNormGroups >= 1 && ImageWidth % ImageNormGroups == 0, nameof(ImageNormGroups),
            $"must be ≥ 1 and divide ImageWidth {ImageWidth}; got {ImageNormGroups}");
    }

    static void Require(bool ok, string field, string message)
    {
        if (!ok) throw new ArgumentException($"{nameof(RerankerConfig)}.{field} {message}.", field);
    }
}
