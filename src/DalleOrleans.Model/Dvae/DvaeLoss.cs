using static TorchSharp.torch;

namespace DalleOrleans.Model.Dvae;

/// <summary>
/// One evaluation of the dVAE's training objective (a β-weighted negative evidence lower bound).
/// </summary>
/// <param name="Total">The value to minimise (scalar, with gradient): Reconstruction + β · KL per image dimension.</param>
/// <param name="Reconstruction">Logit-Laplace negative log-likelihood, nats per pixel channel (scalar, detached).</param>
/// <param name="Kl">KL(q(z|x) ‖ uniform) in nats per token position, between 0 and ln K (scalar, detached).</param>
/// <param name="Mse">Mean squared error of the relaxed reconstruction in [0, 1] pixel units (scalar, detached): PSNR = −10·log10(Mse).</param>
/// <param name="Usage">(ln K − H(q̄)) / ln K for q̄ the batch's average posterior: 0 when every code is equally used, 1 when one code takes all (scalar, detached).</param>
/// <remarks>The tensors live in the caller's dispose scope, like any other forward result.</remarks>
public sealed record DvaeLoss(Tensor Total, Tensor Reconstruction, Tensor Kl, Tensor Mse, Tensor Usage);
