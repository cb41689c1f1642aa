using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace DalleOrleans.Model.Reranker;

/// <summary>
/// A small CLIP (Radford et al., 2021) used as the paper's reranker: text and image encoders into one
/// L2-normalised space, trained with the symmetric InfoNCE loss under a learned temperature.
/// </summary>
/// <remarks>
/// <para>Serving: call <see cref="Score"/> under <c>torch.no_grad()</c> (or inference mode) in a dispose
/// scope; the model has no dropout or batch norm, so train/eval mode does not change results and an
/// image's score does not depend on the other images in its batch.</para>
/// <para>State-dict names: "text_encoder.…", "image_encoder.…", "logit_scale".</para>
/// </remarks>
public sealed class ContrastiveReranker : Module<Tensor, Tensor, Tensor>
{
    /// <summary>Upper limit of the temperature's inverse, exp(logit_scale), as in CLIP: it keeps training stable.</summary>
    public const double MaxLogitScale = 100.0;

    private readonly TextEncoder text_encoder;
    private readonly ImageEncoder image_encoder;
    private readonly Parameter logit_scale;

    public ContrastiveReranker(RerankerConfig config) : base(nameof(ContrastiveReranker))
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        Config = config;
        text_encoder = new TextEncoder(nameof(text_encoder), config);
        image_encoder = new ImageEncoder(nameof(image_encoder), config);
        // CLIP's start: temperature 0.07, stored as ln(1/0.07) so it stays positive under gradient steps.
        logit_scale = new Parameter(torch.tensor(Math.Log(1 / 0.07), dtype: ScalarType.Float32));   // ()
        RegisterComponents();
    }

    /// <summary>The sizes this model was built with (save it beside the weights).</summary>
    public RerankerConfig Config { get; }

    /// <summary>exp(logit_scale) clamped at <see cref="MaxLogitScale"/>: the inverse softmax temperature.</summary>
    public Tensor LogitScale() => logit_scale.exp().clamp(max: MaxLogitScale);   // ()

    /// <summary>L2-normalised caption embeddings; token 0 is padding.</summary>
    public Tensor EncodeText(Tensor tokens)                                   // (B, L) int64, L ≤ TextLength
    {
        CheckTokens(tokens);
        return nn.functional.normalize(text_encoder.forward(tokens), dim: 1); // (B, E)
    }

    /// <summary>L2-normalised image embeddings for images in [0, 1].</summary>
    public Tensor EncodeImage(Tensor images)                                  // (B, C, H, W)
    {
        CheckImages(images);
        return nn.functional.normalize(image_encoder.forward(images), dim: 1);   // (B, E)
    }

    /// <summary>Scaled similarity logits of every caption against every image.</summary>
    public override Tensor forward(Tensor tokens, Tensor images)             // (B, L), (N, C, H, W)
    {
        var text = EncodeText(tokens);                                        // (B, E)
        var image = EncodeImage(images);                                      // (N, E)
        return LogitScale() * text.matmul(image.t());                         // (B, N)
    }

    /// <summary>
    /// Symmetric InfoNCE over a batch of matching (caption, image) pairs: row i of each is a pair.
    /// </summary>
    /// <remarks>
    /// Duplicate captions: captions here are often partial descriptions, so two images in a batch can
    /// carry the same token row. Treating one of them as a negative would teach the model to separate
    /// images the text cannot tell apart, so identical token rows count as positives for each other: the
    /// target of each row is uniform over its positives (a soft-label cross-entropy), which reduces to
    /// plain InfoNCE when every caption is distinct. Different but compatible captions (e.g. "a red
    /// circle" and "a red circle on blue") stay negatives, as in CLIP.
    /// </remarks>
    public Tensor ContrastiveLoss(Tensor textTokens, Tensor images)           // (B, L) int64, (B, C, H, W)
    {
        if (textTokens.dim() != 2 || images.dim() != 4 || textTokens.shape[0] != images.shape[0])
            throw new ArgumentException(
                $"textTokens (B, L) and images (B, C, H, W) must pair up row by row; got ({string.Join(", ", textTokens.shape)}) and ({string.Join(", ", images.shape)}).",
                nameof(textTokens));
        var logits = forward(textTokens, images);                             // (B, B) captions × images
        var same = textTokens.unsqueeze(1).eq(textTokens.unsqueeze(0))        // (B, B, L)
            .all(-1).to(logits.dtype);                                        // (B, B) 1 where captions match
        var targets = same / same.sum(1, keepdim: true);                      // (B, B) rows sum to 1; symmetric support
        var textToImage = -(targets * logits.log_softmax(1)).sum(1).mean();   // ()
        var imageToText = -(targets * logits.t().log_softmax(1)).sum(1).mean();   // ()
        return (textToImage + imageToText) / 2.0;                             // ()
    }

    /// <summary>
    /// <see cref="ContrastiveLoss"/> with one extra negative image per caption: each caption's softmax runs over the
    /// batch's B images and the B <paramref name="negatives"/> (image i of which is caption i's own scene with one
    /// named attribute changed); the image-to-caption direction stays over the B matching images.
    /// </summary>
    public Tensor ContrastiveLossWithNegatives(Tensor textTokens, Tensor images, Tensor negatives)   // (B, L), (B, C, H, W), (B, C, H, W)
    {
        if (textTokens.dim() != 2 || images.dim() != 4 || textTokens.shape[0] != images.shape[0] || !negatives.shape.SequenceEqual(images.shape))
            throw new ArgumentException(
                $"textTokens (B, L), images and negatives (B, C, H, W) must pair up row by row; got ({string.Join(", ", textTokens.shape)}), ({string.Join(", ", images.shape)}) and ({string.Join(", ", negatives.shape)}).",
                nameof(textTokens));
        long b = images.shape[0];
        var logits = forward(textTokens, torch.cat([images, negatives], 0));   // (B, 2B) captions × (positives, negatives)
        var same = textTokens.unsqueeze(1).eq(textTokens.unsqueeze(0))          // (B, B, L)
            .all(-1).to(logits.dtype);                                          // (B, B)
        var targets = same / same.sum(1, keepdim: true);                        // (B, B)
        var paddedTargets = torch.cat([targets, torch.zeros_like(targets)], 1); // (B, 2B): negatives are never targets
        var textToImage = -(paddedTargets * logits.log_softmax(1)).sum(1).mean();              // ()
        var imageToText = -(targets * logits.narrow(1, 0, b).t().log_softmax(1)).sum(1).mean(); // ()
        return (textToImage + imageToText) / 2.0;                               // ()
    }

    /// <summary>
    /// Cosine similarity of one caption with each of N images (no temperature): higher is a better match.
    /// </summary>
    public Tensor Score(Tensor textTokens, Tensor images)                     // (L) or (1, L) int64, (N, C, H, W)
    {
        var tokens = textTokens.dim() == 1 ? textTokens.unsqueeze(0) : textTokens;   // (1, L)
        if (tokens.dim() != 2 || tokens.shape[0] != 1)
            throw new ArgumentException($"textTokens must have shape (L) or (1, L); got ({string.Join(", ", textTokens.shape)}).", nameof(textTokens));
        if (!tokens.ne(RerankerConfig.PadToken).any().item<bool>())
            throw new ArgumentException("textTokens holds only padding (token 0); a caption needs at least one real token.", nameof(textTokens));
        var text = EncodeText(tokens);                                        // (1, E)
        var image = EncodeImage(images);                                      // (N, E)
        return image.matmul(text.t()).squeeze(1);                             // (N)
    }

    void CheckTokens(Tensor tokens)
    {
        var c = Config;
        if (tokens.dim() != 2 || tokens.shape[1] < 1 || tokens.shape[1] > c.TextLength)
            throw new ArgumentException($"tokens must have shape (B, L) with 1 ≤ L ≤ TextLength {c.TextLength}; got ({string.Join(", ", tokens.shape)}).", nameof(tokens));
        if (tokens.dtype != ScalarType.Int64)
            throw new ArgumentException($"tokens must be int64; got {tokens.dtype}.", nameof(tokens));
        if (tokens.numel() > 0)
        {
            long min = tokens.min().item<long>(), max = tokens.max().item<long>();
            if (min < 0 || max >= c.TextVocabSize)
                throw new ArgumentException($"tokens must be in 0..{c.TextVocabSize - 1} (TextVocabSize {c.TextVocabSize}); got values in {min}..{max}.", nameof(tokens));
        }
    }

    void CheckImages(Tensor images)
    {
        var c = Config;
        if (images.dim() != 4 || images.shape[1] != c.ImageChannels || images.shape[2] != c.ImageSize || images.shape[3] != c.ImageSize)
            throw new ArgumentException(
                $"images must have shape (N, {c.ImageChannels}, {c.ImageSize}, {c.ImageSize}); got ({string.Join(", ", images.shape)}).", nameof(images));
        if (!images.is_floating_point())
            throw new ArgumentException($"images must be floating point in [0, 1]; got {images.dtype}.", nameof(images));
    }
}
