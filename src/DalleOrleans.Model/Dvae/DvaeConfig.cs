using System.Text.Json.Serialization;

namespace DalleOrleans.Model.Dvae;

/// <summary>
/// Sizes of the discrete VAE (DALL·E paper, section 2.1 and appendix A). Saved as JSON beside the
/// weights: the checkpoint's config, not code, decides every size.
/// </summary>
/// <remarks>
/// The encoder runs <see cref="Groups"/> groups of residual blocks with widths
/// HiddenWidth·(1, 2, 4, …); the first group runs at full resolution and a 2× max-pool precedes each
/// later group, so the token grid is ImageSize / 2^(Groups−1) on a side (Groups = 4 ⇒ ×8, as the paper).
/// The decoder mirrors it with nearest-neighbour 2× upsampling.
/// </remarks>
public sealed record DvaeConfig
{
    /// <summary>Side of the square input image in pixels.</summary>
    public int ImageSize { get; init; } = 64;

    /// <summary>Image channels (3 for RGB).</summary>
    public int Channels { get; init; } = 3;

    /// <summary>Number of codebook entries K (the image vocabulary of the transformer).</summary>
    public int CodebookSize { get; init; } = 512;

    /// <summary>Width of the first encoder group (the paper's n_hid); later groups double it.</summary>
    public int HiddenWidth { get; init; } = 32;

    /// <summary>Residual blocks in every group (the paper's n_blk_per_group).</summary>
    public int BlocksPerGroup { get; init; } = 1;

    /// <summary>Resolution groups; each one after the first halves (encoder) or doubles (decoder) the side.</summary>
    public int Groups { get; init; } = 4;

    /// <summary>Output width of the decoder's first 1×1 convolution over the codebook (the paper's n_init).</summary>
    public int DecoderInputWidth { get; init; } = 128;

    /// <summary>Factor by which the encoder shrinks each side: 2^(Groups−1).</summary>
    [JsonIgnore]
    public int Downsample => 1 << (Groups - 1);

    /// <summary>Side of the token grid: ImageSize / Downsample.</summary>
    [JsonIgnore]
    public int GridSize => ImageSize / Downsample;

    /// <summary>Tokens per image: GridSize².</summary>
    [JsonIgnore]
    public int TokensPerImage => GridSize * GridSize;

    /// <summary>Residual blocks along one path (encoder or decoder); sets the blocks' post-gain 1/n².</summary>
    [JsonIgnore]
    public int LayerCount => Groups * BlocksPerGroup;

    /// <summary>Width of encoder group <paramref name="group"/> (0-based): HiddenWidth·2^group.</summary>
    public long GroupWidth(int group) => (long)HiddenWidth << group;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first field outside its limits.</summary>
    public void Validate()
    {
        Require(ImageSize >= 1 && ImageSize <= 8192, nameof(ImageSize), $"must be in 1..8192; got {ImageSize}");
        Require(Channels >= 1 && Channels <= 64, nameof(Channels), $"must be in 1..64; got {Channels}");
        Require(CodebookSize >= 2 && CodebookSize <= 1 << 20, nameof(CodebookSize), $"must be in 2..{1 << 20}; got {CodebookSize}");
        // Bottleneck blocks run at width/4, so the narrowest group must be a positive multiple of 4.
        Require(HiddenWidth >= 4 && HiddenWidth % 4 == 0 && HiddenWidth <= 4096, nameof(HiddenWidth),
            $"must be a multiple of 4 in 4..4096 (blocks use width/4 inside); got {HiddenWidth}");
        Require(BlocksPerGroup >= 1 && BlocksPerGroup <= 64, nameof(BlocksPerGroup), $"must be in 1..64; got {BlocksPerGroup}");
        Require(Groups >= 1 && Groups <= 8, nameof(Groups), $"must be in 1..8; got {Groups}");
        Require(DecoderInputWidth >= 1 && DecoderInputWidth <= 65536, nameof(DecoderInputWidth), $"must be in 1..65536; got {DecoderInputWidth}");
        Require(ImageSize % Downsample == 0, nameof(ImageSize),
            $"must be divisible by 2^(Groups-1) = {Downsample} so the token grid is whole; got {ImageSize}");
    }

    static void Require(bool ok, string field, string message)
    {
        if (!ok) throw new ArgumentException($"{nameof(DvaeConfig)}.{field} {message}.", field);
    }
}
