using System.Text.Json.Serialization;

namespace DalleOrleans.Model.Transformer;

/// <summary>The attention pattern an image query uses in one layer (text queries are always causal).</summary>
/// <remarks>
/// Row, Column and Conv are the paper's masks (Ramesh et al. 2021, figure 11, after the Sparse Transformer's
/// strided pattern, as ruDALL-E builds them); AxialRow is DALLE-pytorch's axial row (same grid row only), which
/// shapes-v1 was trained with. See <see cref="AttentionMasks"/> for the exact definitions.
/// </remarks>
public enum AttentionKind { Dense, Row, Column, Conv, AxialRow }

/// <summary>
/// Sizes of the decoder-only transformer. Every size is configuration, so the same code runs the shipped
/// small model and the paper's 12 B one (<see cref="Paper"/>).
/// </summary>
public sealed record TransformerConfig
{
    /// <summary>Compact text vocabulary size, including [PAD]=0 and [UNK]=1 (from the tokenizer).</summary>
    public int TextVocabSize { get; init; } = 128;
    /// <summary>Text tokens per caption (the paper: 256).</summary>
    public int TextLength { get; init; } = 32;
    /// <summary>dVAE codebook size (the paper: 8192).</summary>
    public int ImageVocabSize { get; init; } = 512;
    /// <summary>Side of the image token grid (the paper: 32).</summary>
    public int GridSize { get; init; } = 8;
    public int ModelDim { get; init; } = 256;
    public int Heads { get; init; } = 8;
    public int Layers { get; init; } = 8;
    /// <summary>MLP hidden width as a multiple of ModelDim.</summary>
    public int MlpRatio { get; init; } = 4;
    /// <summary>Per-layer attention kind for image queries; length must equal Layers.</summary>
    public AttentionKind[] Attention { get; init; } = DefaultPattern(8);
    /// <summary>Side of the k×k neighbourhood for <see cref="AttentionKind.Conv"/> layers (odd).</summary>
    public int ConvKernel { get; init; } = 3;
    public double Dropout { get; init; } = 0.0;

    [JsonIgnore] public int HeadDim => ModelDim / Heads;
    [JsonIgnore] public int ImageTokens => GridSize * GridSize;
    /// <summary>The input stream: [BOS] + TextLength text tokens + ImageTokens − 1 image tokens.</summary>
    [JsonIgnore] public int SequenceLength => TextLength + ImageTokens;
    /// <summary>Input position holding image token k (k ≥ 0).</summary>
    public int ImagePosition(int k) => TextLength + 1 + k;

    /// <summary>The paper's sparse pattern: row, column, row, row repeating, and a convolutional last layer.</summary>
    public static AttentionKind[] DefaultPattern(int layers)
    {
        var cycle = new[] { AttentionKind.Row, AttentionKind.Column, AttentionKind.Row, AttentionKind.Row };
        var kinds = Enumerable.Range(0, layers).Select(i => cycle[i % cycle.Length]).ToArray();
        if (layers > 1) kinds[^1] = AttentionKind.Conv;
        return kinds;
    }

    /// <summary>The paper's configuration: 64 layers, d_model 3968, 62 heads of 64, 256 text tokens from 16384, 32×32 image tokens from 8192.</summary>
    public static TransformerConfig Paper => new()
    {
        TextVocabSize = 16384, TextLength = 256, ImageVocabSize = 8192, GridSize = 32,
        ModelDim = 3968, Heads = 62, Layers = 64, MlpRatio = 4, Attention = DefaultPattern(64), ConvKernel = 11,
    };

    public void Validate()
    {
        static void Positive(int v, string field) { if (v < 1) throw new ArgumentException($"transformer.{field} is {v}; it must be at least 1."); }
        Positive(TextVocabSize, nameof(TextVocabSize));
        Positive(TextLength, nameof(TextLength));
        Positive(ImageVocabSize, nameof(ImageVocabSize));
        Positive(GridSize, nameof(GridSize));
        Positive(ModelDim, nameof(ModelDim));
        Positive(Heads, nameof(Heads));
        Positive(Layers, nameof(Layers));
        Positive(MlpRatio, nameof(MlpRatio));
        if (TextVocabSize < 3) throw new ArgumentException($"transformer.TextVocabSize is {TextVocabSize}; it must be at least 3 ([PAD], [UNK] and one word).");
        if (ModelDim % Heads != 0) throw new ArgumentException($"transformer.ModelDim ({ModelDim}) must be divisible by transformer.Heads ({Heads}).");
        if (Attention is null || Attention.Length != Layers)
            throw new ArgumentException($"transformer.Attention lists {Attention?.Length ?? 0} layer kinds; it must list exactly Layers = {Layers}.");
        if (ConvKernel < 1 || ConvKernel % 2 == 0) throw new ArgumentException($"transformer.ConvKernel is {ConvKernel}; it must be a positive odd number.");
        if (Dropout is < 0 or >= 1 || double.IsNaN(Dropout)) throw new ArgumentException($"transformer.Dropout is {Dropout}; it must be in [0, 1).");
    }

    /// <summary>Parameter count computed from the sizes alone (matches the module's parameters).</summary>
    public long ParameterCount()
    {
        long d = ModelDim, hidden = (long)ModelDim * MlpRatio;
        long embeddings = (TextVocabSize + TextLength + 1) * d   // text tokens, per-position pads, BOS
                        + (TextLength + 1) * d                   // text positions
                        + ImageVocabSize * d                     // image tokens
                        + 2L * GridSize * d;                     // image rows and columns
        long perLayer = 2 * 2 * d                                // two layer norms
                      + d * 3 * d + 3 * d                        // fused QKV
                      + d * d + d                                // attention output
                      + d * hidden + hidden + hidden * d + d;    // MLP
        long heads = 2 * d                                       // final layer norm
                   + d * TextVocabSize + TextVocabSize           // text head
                   + d * ImageVocabSize + ImageVocabSize;        // image head
        return embeddings + Layers * perLayer + heads;
    }
}
