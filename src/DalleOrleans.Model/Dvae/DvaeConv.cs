using TorchSharp;
using static TorchSharp.torch;

namespace DalleOrleans.Model.Dvae;

/// <summary>The one convolution the dVAE is built from: "same" padding and the released model's initialisation.</summary>
/// <remarks>It is a <see cref="CpuSafeConv2d"/> (same parameter names as <c>nn.Conv2d</c>) because the bottleneck widths are rarely multiples of 16.</remarks>
public static class DvaeConv
{
    /// <summary>
    /// A k×k convolution with padding (k−1)/2, weights ~ N(0, 1/(in·k²)) and zero bias, as in
    /// openai/DALL-E's <c>Conv2d</c>.
    /// </summary>
    /// <remarks>
    /// Why this init: with the residual branches scaled by 1/n_layers² the network starts close to a
    /// chain of identity/1×1 maps, so fan-in scaling (not He's ×2 for ReLU) keeps activations of order one.
    /// </remarks>
    public static CpuSafeConv2d Create(long inChannels, long outChannels, int kernel)
    {
        if (kernel < 1 || kernel % 2 == 0)
            throw new ArgumentOutOfRangeException(nameof(kernel), kernel, "kernel must be odd and positive for same padding.");
        var conv = new CpuSafeConv2d(inChannels, outChannels, kernel, stride: 1, padding: (kernel - 1) / 2);
        using (torch.no_grad())
        {
            nn.init.normal_(conv.Weight, 0.0, 1.0 / Math.Sqrt(inChannels * kernel * kernel));
            nn.init.zeros_(conv.Bias!);
        }
        return conv;
    }
}
