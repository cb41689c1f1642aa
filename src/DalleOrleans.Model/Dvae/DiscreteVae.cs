using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace DalleOrleans.Model.Dvae;

/// <summary>
/// The discrete VAE of DALL·E (stage one): images ↔ grids of codebook tokens.
/// </summary>
/// <remarks>
/// <para>Serving: <see cref="Encode"/> and <see cref="Decode"/> do not switch off autograd themselves;
/// callers that serve requests wrap them in <c>torch.no_grad()</c> (or <c>torch.inference_mode()</c>)
/// and a <c>torch.NewDisposeScope()</c>. Neither depends on train/eval mode (there is no dropout or
/// batch norm), and each image's result is independent of the rest of its batch.</para>
/// <para>Training: <see cref="Loss"/> with the temperature and β from <see cref="DvaeSchedule"/>.</para>
/// <para>State-dict names: "encoder.blocks.…" and "decoder.blocks.…", mirroring openai/DALL-E.</para>
/// </remarks>
public sealed class DiscreteVae : Module<Tensor, Tensor>
{
    private readonly DvaeEncoder encoder;
    private readonly DvaeDecoder decoder;

    public DiscreteVae(DvaeConfig config) : base(nameof(DiscreteVae))
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        Config = config;
        encoder = new DvaeEncoder(nameof(encoder), config);
        decoder = new DvaeDecoder(nameof(decoder), config);
        RegisterComponents();
    }

    /// <summary>The sizes this model was built with (save it beside the weights).</summary>
    public DvaeConfig Config { get; }

    /// <summary>Codebook logits of q(z|x) for images in [0, 1].</summary>
    public Tensor Logits(Tensor images)                      // (B, C, H, W)
    {
        CheckImages(images);
        return encoder.forward(LogitLaplace.MapPixels(images));   // (B, K, h, w)
    }

    /// <summary>Most likely token per grid cell: argmax of q(z|x).</summary>
    public Tensor Encode(Tensor images)                      // (B, C, H, W) in [0, 1]
    {
        return Logits(images).argmax(1);                      // (B, h, w) int64 in [0, K)
    }

    /// <summary>Images in [0, 1] for a grid of tokens.</summary>
    public Tensor Decode(Tensor tokens)                      // (B, h, w) int64
    {
        CheckTokens(tokens);
        // The decoder's first 1×1 convolution on a one-hot code is an embedding lookup; ForwardTokens does
        // the lookup directly (equal to one_hot → DecodeDistribution, without the (B, K, h, w) tensor).
        var mu = decoder.ForwardTokens(tokens).chunk(2, 1)[0];                     // (B, C, H, W)
        return LogitLaplace.Reconstruct(mu);                                       // (B, C, H, W) in [0, 1]
    }

    /// <summary>Images in [0, 1] for a (one-hot or relaxed) distribution over the codebook per cell.</summary>
    public Tensor DecodeDistribution(Tensor codes)           // (B, K, h, w)
    {
        var mu = decoder.forward(codes).chunk(2, 1)[0];      // (B, C, H, W) location in logit space
        return LogitLaplace.Reconstruct(mu);                 // (B, C, H, W) in [0, 1]
    }

    /// <summary>Encode then decode with the most likely tokens.</summary>
    public override Tensor forward(Tensor images)            // (B, C, H, W)
    {
        return Decode(Encode(images));                        // (B, C, H, W)
    }

    /// <summary>
    /// The β-weighted negative ELBO for a batch of images in [0, 1] (paper, section 2.1 and A.2).
    /// </summary>
    /// <param name="images">(B, C, H, W) float32 in [0, 1].</param>
    /// <param name="temperature">Gumbel-softmax temperature τ &gt; 0 (annealed 1 → 1/16).</param>
    /// <param name="klWeight">β ≥ 0 (raised from 0 to its final value early in training).</param>
    /// <param name="generator">Source of the gumbel noise; the global generator when null.</param>
    /// <remarks>
    /// Both terms are normalised per image dimension (C·H·W): the KL summed over the grid is divided by
    /// the same count as the reconstruction, so β means what it means in the paper (whose ratio of
    /// pixel dimensions to tokens, 192, is the same as ours at 64×64 with an 8×8 grid).
    /// </remarks>
    /// <param name="usageWeight">
    /// Weight of the code-usage term (0 = the paper's loss alone): ln K − H(q̄), where q̄ is q(z|x) averaged
    /// over the batch and the grid, divided by ln K so that it lies in [0, 1].
    /// </param>
    public DvaeLoss Loss(Tensor images, double temperature, double klWeight, Generator? generator = null, double usageWeight = 0.0)
    {
        if (!(klWeight >= 0) || double.IsInfinity(klWeight))
            throw new ArgumentOutOfRangeException(nameof(klWeight), klWeight, "klWeight must be a finite number ≥ 0.");
        if (!(usageWeight >= 0) || double.IsInfinity(usageWeight))
            throw new ArgumentOutOfRangeException(nameof(usageWeight), usageWeight, "usageWeight must be a finite number ≥ 0.");
        var logits = Logits(images);                                              // (B, K, h, w)
        var logQ = logits.log_softmax(1);                                        // (B, K, h, w)
        var soft = GumbelSoftmax.Sample(logits, temperature, 1, generator);      // (B, K, h, w)
        var stats = decoder.forward(soft).chunk(2, 1);                           // 2 × (B, C, H, W)
        var (mu, logScale) = (stats[0], stats[1]);

        var mapped = LogitLaplace.MapPixels(images);                              // (B, C, H, W)
        var reconstruction = LogitLaplace.NegativeLogLikelihood(mapped, mu, logScale).mean();   // ()

        // KL(q ‖ uniform) = Σ_k q_k (ln q_k + ln K) per grid cell.
        var klPerCell = (logQ.exp() * (logQ + Math.Log(Config.CodebookSize))).sum(1);   // (B, h, w)
        double dimsPerCell = (double)Config.Channels * Config.ImageSize * Config.ImageSize / Config.TokensPerImage;
        var total = reconstruction + (klWeight / dimsPerCell) * klPerCell.mean();       // ()

        var usage = DvaeCodeUsage.Penalty(logQ);                                         // () in [0, 1]
        if (usageWeight > 0) total = total + usageWeight * usage;

        Tensor mse;
        using (torch.no_grad())
            mse = (LogitLaplace.Reconstruct(mu) - images).square().mean();               // ()
        return new DvaeLoss(total, reconstruction.detach(), klPerCell.mean().detach(), mse, usage.detach());
    }

    void CheckImages(Tensor images)
    {
        var c = Config;
        if (images.dim() != 4 || images.shape[1] != c.Channels || images.shape[2] != c.ImageSize || images.shape[3] != c.ImageSize)
            throw new ArgumentException(
                $"images must have shape (B, {c.Channels}, {c.ImageSize}, {c.ImageSize}); got ({string.Join(", ", images.shape)}).", nameof(images));
        if (!images.is_floating_point())
            throw new ArgumentException($"images must be floating point in [0, 1]; got {images.dtype}.", nameof(images));
    }

    void CheckTokens(Tensor tokens)
    {
        var c = Config;
        if (tokens.dim() != 3 || tokens.shape[1] != c.GridSize || tokens.shape[2] != c.GridSize)
            throw new ArgumentException(
                $"tokens must have shape (B, {c.GridSize}, {c.GridSize}); got ({string.Join(", ", tokens.shape)}).", nameof(tokens));
        if (tokens.dtype != ScalarType.Int64)
            throw new ArgumentException($"tokens must be int64; got {tokens.dtype}.", nameof(tokens));
        if (tokens.numel() > 0)
        {
            long min = tokens.min().item<long>(), max = tokens.max().item<long>();
            if (min < 0 || max >= c.CodebookSize)
                throw new ArgumentException($"tokens must be in 0..{c.CodebookSize - 1} (CodebookSize {c.CodebookSize}); got values in {min}..{max}.", nameof(tokens));
        }
    }
}
