using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace DalleOrleans.Model.Dvae;

/// <summary>
/// The dVAE encoder's bottleneck residual block: out = id(x) + post_gain · res(x), with
/// res = ReLU, conv3×3 (in→out/4), ReLU, conv3×3, ReLU, conv3×3, ReLU, conv1×1 (→out).
/// </summary>
/// <remarks>
/// post_gain = 1 / n_layers² (n_layers = blocks along the whole path) keeps the sum of many
/// residual branches small at initialisation, which is what lets this deep ReLU stack train without
/// normalisation layers (the paper's "multiply the activations of the resblocks by a small constant").
/// </remarks>
public sealed class EncoderBlock : Module<Tensor, Tensor>
{
    private readonly Module<Tensor, Tensor> id_path;
    private readonly Sequential res_path;
    private readonly double postGain;

    public EncoderBlock(string name, long inWidth, long outWidth, int layerCount) : base(name)
    {
        if (outWidth % 4 != 0) throw new ArgumentException($"outWidth must be a multiple of 4; got {outWidth}.", nameof(outWidth));
        long hidden = outWidth / 4;
        postGain = 1.0 / ((double)layerCount * layerCount);
        // A 1×1 convolution only where the width changes; otherwise the identity (no weights).
        id_path = inWidth == outWidth ? nn.Identity() : DvaeConv.Create(inWidth, outWidth, 1);
        res_path = nn.Sequential(
            ("relu_1", nn.ReLU()), ("conv_1", DvaeConv.Create(inWidth, hidden, 3)),
            ("relu_2", nn.ReLU()), ("conv_2", DvaeConv.Create(hidden, hidden, 3)),
            ("relu_3", nn.ReLU()), ("conv_3", DvaeConv.Create(hidden, hidden, 3)),
            ("relu_4", nn.ReLU()), ("conv_4", DvaeConv.Create(hidden, outWidth, 1)));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)                 // (B, in, H, W)
    {
        return id_path.forward(x) + postGain * res_path.forward(x);   // (B, out, H, W)
    }
}
