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

    /// <summary>
    /// The reconstruction loss of the decoder alone on the encoder's hard (argmax) codes, exactly what serving
    /// decodes: the logit-Laplace negative log-likelihood, nats per pixel channel. The encoder runs without
    /// gradient, so its codes (and every transformer trained on them) stay valid while the decoder learns to
    /// read one-hot codes instead of the relaxed samples it saw in <see cref="Loss"/>.
    /// </summary>
    /// <remarks>Kl and Usage are reported for the encoder as it stands (constant when it is frozen).</remarks>
    public DvaeLoss HardCodeLoss(Tensor images)              // (B, C, H, W) in [0, 1]
    {
        Tensor tokens, klPerCell, usage;
        using (torch.no_grad())
        {
            var logQ = Logits(images).log_softmax(1);                                          // (B, K, h, w)
            tokens = logQ.argmax(1);                                                           // (B, h, w)
            klPerCell = (logQ.exp() * (logQ + Math.Log(Config.CodebookSize))).sum(1);          // (B, h, w)
            usage = DvaeCodeUsage.Penalty(logQ);                                               // ()
        }
        var stats = decoder.ForwardTokens(tokens).chunk(2, 1);                                 // 2 × (B, C, H, W)
        var (mu, logScale) = (stats[0], stats[1]);
        var mapped = LogitLaplace.MapPixels(images);                                           // (B, C, H, W)
        var reconstruction = LogitLaplace.NegativeLogLikelihood(mapped, mu, logScale).mean();  // ()
        Tensor mse;
        using (torch.no_grad())
            mse = (LogitLaplace.Reconstruct(mu) - images).square().mean();                     // ()
        return new DvaeLoss(reconstruction, reconstruction.detach(), klPerCell.mean(), mse, usage);
    }

    /// <summary>
    /// Encoder and decoder together on hard codes: the decoder sees the one-hot argmax code (what serving decodes)
    /// and the encoder gets the straight-through gradient through softmax(logits); optionally a cross-entropy pulls
    /// each cell's posterior onto <paramref name="anchorTokens"/> (another encoder's codes, e.g. the model a
    /// transformer was trained on), so that only the codes whose change pays for itself in reconstruction move.
    /// </summary>
    /// <param name="anchorTokens">(B, h, w) int64 codes to stay near, or null for none.</param>
    /// <param name="anchorWeight">Weight of the anchor's cross-entropy (nats per cell) against the reconstruction (nats per pixel channel).</param>
    /// <remarks>Kl reports KL(q ‖ uniform) per cell; Usage is the anchor agreement's complement (share of cells whose code differs from the anchor; 0 without one).</remarks>
    public DvaeLoss StraightThroughLoss(Tensor images, Tensor? anchorTokens, double anchorWeight)
    {
        if (!(anchorWeight >= 0) || double.IsInfinity(anchorWeight))
            throw new ArgumentOutOfRangeException(nameof(anchorWeight), anchorWeight, "anchorWeight must be a finite number ≥ 0.");
        var logits = Logits(images);                                                          // (B, K, h, w)
        var logQ = logits.log_softmax(1);                                                     // (B, K, h, w)
        var soft = logQ.exp();                                                                // (B, K, h, w)
        var tokens = logits.argmax(1);                                                        // (B, h, w)
        var hard = torch.nn.functional.one_hot(tokens, Config.CodebookSize)                   // (B, h, w, K)
            .permute(0, 3, 1, 2).to(soft.dtype);                                              // (B, K, h, w)
        var codes = hard - soft.detach() + soft;                                              // (B, K, h, w) forward: hard; backward: soft
        var stats = decoder.forward(codes).chunk(2, 1);                                       // 2 × (B, C, H, W)
        var (mu, logScale) = (stats[0], stats[1]);
        var mapped = LogitLaplace.MapPixels(images);                                          // (B, C, H, W)
        var reconstruction = LogitLaplace.NegativeLogLikelihood(mapped, mu, logScale).mean(); // ()
        var total = reconstruction;
        Tensor changed;
        if (anchorTokens is not null)
        {
            var anchorNll = -logQ.gather(1, anchorTokens.unsqueeze(1)).mean();                // () nats per cell
            if (anchorWeight > 0) total = total + anchorWeight * anchorNll;
            using (torch.no_grad()) changed = tokens.ne(anchorTokens).to(ScalarType.Float32).mean();
        }
        else
        {
            changed = torch.zeros(new long[0]);
        }
        Tensor mse, kl;
        using (torch.no_grad())
        {
            mse = (LogitLaplace.Reconstruct(mu) - images).square().mean();                    // ()
            kl = (soft * (logQ + Math.Log(Config.CodebookSize))).sum(1).mean();               // ()
        }
        return new DvaeLoss(total, reconstruction.detach(), kl, mse, changed);
    }

    /// <summary>Stops gradients into the encoder (decoder-only fine-tuning keeps its codes fixed).</summary>
    public void FreezeEncoder()
    {
        foreach (var p in encoder.parameters()) p.requires_grad = false;
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
