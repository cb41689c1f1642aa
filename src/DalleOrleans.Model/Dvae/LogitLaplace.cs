using TorchSharp;
using static TorchSharp.torch;

namespace DalleOrleans.Model.Dvae;

/// <summary>
/// The paper's logit-Laplace likelihood (section A.3) and its pixel mapping.
/// </summary>
/// <remarks>
/// Pixels are first mapped from [0, 1] into [ε, 1−ε] so that their logits are finite; the decoder
/// predicts, per channel, a location μ and a log-scale ln b in logit space, and
/// −ln p(x | μ, b) = ln 2 + ln b + ln(x(1−x)) + |logit(x) − μ| / b.
/// The reconstruction shown to users is unmap(sigmoid(μ)), the distribution's median mapped back.
/// </remarks>
public static class LogitLaplace
{
    /// <summary>The mapping margin ε; 0.1 as in openai/DALL-E's released code.</summary>
    public const double Epsilon = 0.1;

    /// <summary>
    /// Floor on ln b. Why: flat synthetic backgrounds can be matched exactly, and an unbounded
    /// scale would then drive the loss to −∞ with gradients growing like 1/b. e^−5 ≈ 0.007 in logit
    /// units is finer than one 8-bit grey level (≈ 0.02 there), so the floor costs no visible precision.
    /// </summary>
    public const double MinLogScale = -5.0;

    /// <summary>[0, 1] → [ε, 1−ε].</summary>
    public static Tensor MapPixels(Tensor pixels)             // (B, C, H, W)
    {
        return pixels * (1.0 - 2.0 * Epsilon) + Epsilon;      // (B, C, H, W)
    }

    /// <summary>[ε, 1−ε] → [0, 1], clamped.</summary>
    public static Tensor UnmapPixels(Tensor mapped)           // (B, C, H, W)
    {
        return ((mapped - Epsilon) / (1.0 - 2.0 * Epsilon)).clamp(0.0, 1.0);   // (B, C, H, W)
    }

    /// <summary>Per-element negative log-likelihood (nats) of mapped pixels under the predicted statistics.</summary>
    public static Tensor NegativeLogLikelihood(Tensor mapped, Tensor mu, Tensor logScale)   // each (B, C, H, W)
    {
        var logB = logScale.clamp(min: MinLogScale);                            // (B, C, H, W)
        var y = torch.log(mapped) - torch.log1p(-mapped);                      // (B, C, H, W) logit(x)
        var logJacobian = torch.log(mapped) + torch.log1p(-mapped);            // (B, C, H, W) ln x(1−x)
        return Math.Log(2.0) + logB + logJacobian + (y - mu).abs() * torch.exp(-logB);   // (B, C, H, W)
    }

    /// <summary>The image the statistics stand for: unmap(sigmoid(μ)) in [0, 1].</summary>
    public static Tensor Reconstruct(Tensor mu)               // (B, C, H, W)
    {
        return UnmapPixels(torch.sigmoid(mu));                // (B, C, H, W)
    }
}
