using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace DalleOrleans.Model.Dvae;

/// <summary>
/// A 2-D convolution with the same parameters and state-dict names as <c>nn.Conv2d</c> ("weight", "bias")
/// whose input gradient is correct on CPU for any output width.
/// </summary>
/// <remarks>
/// <para>Why it exists: with libtorch 2.10 (TorchSharp 0.107) on the development machines (AMD EPYC,
/// AVX-512), oneDNN's backward-data kernel for stride-1 k×k convolutions returns wrong, sometimes
/// non-finite, input gradients when the output width is not a multiple of 16 (the kernel's channel block):
/// the padded channels of the blocked gradient are not zero. Forward results and weight gradients are
/// right; the bug is gone with <c>ONEDNN_MAX_CPU_ISA=SSE41</c>. The dVAE's bottleneck blocks run at
/// width/4 (8 channels for HiddenWidth 32), so every gradient upstream of them was corrupted and training
/// diverged to NaN. <c>DvaeConvGradientTests</c> checks this module against a float64 reference.</para>
/// <para>The workaround: when an input gradient will be computed on CPU, the weight is zero-padded to a
/// multiple of <see cref="ChannelBlock"/> output channels and the extra outputs are sliced off, so the
/// gradient reaching oneDNN has no block padding. The padded channels are exact zeros and receive zero
/// gradient, so results and parameter gradients equal the plain convolution's. Serving (no gradient)
/// and CUDA take the plain path. Cost: the padded channels' extra arithmetic during training only.</para>
/// </remarks>
public sealed class CpuSafeConv2d : Module<Tensor, Tensor>
{
    /// <summary>oneDNN's widest channel block (AVX-512 f32); padding to it also covers the AVX2 block of 8.</summary>
    public const long ChannelBlock = 16;

    private readonly Parameter weight;
    private readonly Parameter? bias;
    private readonly long[] stride;
    private readonly long[] padding;

    public CpuSafeConv2d(long inChannels, long outChannels, int kernel, int stride = 1, int padding = 0, bool bias = true)
        : base(nameof(CpuSafeConv2d))
    {
        if (inChannels < 1 || outChannels < 1) throw new ArgumentOutOfRangeException(nameof(outChannels), "channel counts must be ≥ 1.");
        if (kernel < 1 || stride < 1 || padding < 0) throw new ArgumentOutOfRangeException(nameof(kernel), "kernel and stride must be ≥ 1 and padding ≥ 0.");
        this.stride = new long[] { stride, stride };
        this.padding = new long[] { padding, padding };
        weight = new Parameter(torch.empty(outChannels, inChannels, kernel, kernel));   // (out, in, k, k)
        this.bias = bias ? new Parameter(torch.empty(outChannels)) : null;             // (out)
        // nn.Conv2d's default initialisation: U(−1/√fan_in, 1/√fan_in) for weight and bias.
        double bound = 1.0 / Math.Sqrt(inChannels * kernel * kernel);
        using (torch.no_grad())
        {
            nn.init.uniform_(weight, -bound, bound);
            if (this.bias is not null) nn.init.uniform_(this.bias, -bound, bound);
        }
        RegisterComponents();
    }

    /// <summary>The kernel, (out, in, k, k).</summary>
    public Parameter Weight => weight;

    /// <summary>The bias, (out), or null.</summary>
    public Parameter? Bias => bias;

    public override Tensor forward(Tensor x)                                  // (B, in, H, W)
    {
        long outChannels = weight.shape[0];
        long padded = (outChannels + ChannelBlock - 1) / ChannelBlock * ChannelBlock;
        bool needsGuard = padded != outChannels && x.requires_grad && torch.is_grad_enabled() && x.device_type == DeviceType.CPU;
        if (!needsGuard)
            return nn.functional.conv2d(x, weight, bias, stride, padding);     // (B, out, H', W')

        long extra = padded - outChannels;
        var w = torch.cat(new[] { weight, weight.new_zeros(extra, weight.shape[1], weight.shape[2], weight.shape[3]) }, 0);   // (padded, in, k, k)
        var b = bias is null ? null : torch.cat(new[] { bias, bias.new_zeros(extra) }, 0);                                      // (padded)
        return nn.functional.conv2d(x, w, b, stride, padding)                 // (B, padded, H', W')
            .narrow(1, 0, outChannels);                                       // (B, out, H', W')
    }
}
