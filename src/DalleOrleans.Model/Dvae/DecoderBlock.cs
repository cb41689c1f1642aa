using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace DalleOrleans.Model.Dvae;

/// <summary>
/// The dVAE decoder's residual block: out = id(x) + post_gain · res(x), with
/// res = ReLU, conv1×1 (in→out/4), ReLU, conv3×3, ReLU, conv3×3, ReLU, conv3×3 (→out).
/// </summary>
/// <remarks>
/// The mirror of <see cref="EncoderBlock"/>: the 1×1 convolution comes first, and the last 3×3
/// convolution widens back to the output, as in openai/DALL-E's <c>DecoderBlock</c>.
/// </remarks>
public sealed class DecoderBlock : Module<Tensor, Tensor>
{
    private readonly Module<Tensor, Tensor> id_path;
    private readonly Sequential res_path;
    private readonly double postGain;

    public DecoderBlock(string name, long inWidth, long outWidth, int layerCount) : base(name)
    {
        if (outWidth % 4 != 0) throw new ArgumentException($"outWidth must be a multiple of 4; got {outWidth}.", nameof(outWidth));
        long hidden = outWidth / 4;
        postGain = 1.0 / ((double)layerCount * layerCount);
        id_path = inWidth == outWidth ? nn.Identity() : DvaeConv.Create(inWidth, outWidth, 1);
        res_path = nn.Sequential(
            ("relu_1", nn.ReLU()), ("conv_1", DvaeConv.Create(inWidth, hidden, 1)),
            ("relu_2", nn.ReLU()), ("conv_2", DvaeConv.Create(hidden, hidden, 3)),
            ("relu_3", nn.ReLU()), ("conv_3", DvaeConv.Create(hidden, hidden, 3)),
            ("relu_4", nn.ReLU()), ("conv_4", DvaeConv.Create(hidden, outWidth, 3)));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)                 // (B, in, H, W)
    {
        return id_path.forward(x) + postGain * res_path.forward(x);   // (B, out, H, W)
    }
}
