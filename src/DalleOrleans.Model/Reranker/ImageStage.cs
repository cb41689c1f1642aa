using DalleOrleans.Model.Dvae;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace DalleOrleans.Model.Reranker;

/// <summary>
/// One image-encoder stage: stride-2 3×3 convolution (halves the side) → GroupNorm → ReLU →
/// 3×3 convolution → GroupNorm → ReLU.
/// </summary>
/// <remarks>
/// GroupNorm, not BatchNorm: it normalises each image on its own, so a candidate's score never depends on
/// which other candidates share its batch, and train and eval behave the same. The convolutions are
/// <see cref="CpuSafeConv2d"/>s (same parameter names as <c>nn.Conv2d</c>): libtorch's CPU input gradient
/// is wrong for stride-1 widths that are not multiples of 16, which small configs hit.
/// </remarks>
public sealed class ImageStage : Module<Tensor, Tensor>
{
    private readonly CpuSafeConv2d down;
    private readonly GroupNorm norm_1;
    private readonly CpuSafeConv2d conv;
    private readonly GroupNorm norm_2;

    public ImageStage(string name, long inWidth, long outWidth, long normGroups) : base(name)
    {
        down = new CpuSafeConv2d(inWidth, outWidth, 3, stride: 2, padding: 1, bias: false);
        norm_1 = nn.GroupNorm(normGroups, outWidth);
        conv = new CpuSafeConv2d(outWidth, outWidth, 3, stride: 1, padding: 1, bias: false);
        norm_2 = nn.GroupNorm(normGroups, outWidth);
        // TorchSharp 0.107's GroupNorm leaves its affine parameters as uninitialised memory: set the identity.
        using (torch.no_grad())
            foreach (var norm in new[] { norm_1, norm_2 })
            {
                norm.weight!.fill_(1.0f);
                norm.bias!.zero_();
            }
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)                                  // (B, in, H, W)
    {
        x = nn.functional.relu(norm_1.forward(down.forward(x)));             // (B, out, H/2, W/2)
        return nn.functional.relu(norm_2.forward(conv.forward(x)));          // (B, out, H/2, W/2)
    }
}
