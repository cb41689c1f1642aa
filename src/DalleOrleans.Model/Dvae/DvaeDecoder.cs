using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace DalleOrleans.Model.Dvae;

/// <summary>
/// The dVAE decoder: 1×1 convolution over the codebook axis → groups of <see cref="DecoderBlock"/>s
/// (widths …, 4n, 2n, n) with nearest-neighbour 2× upsampling ending every group but the last →
/// ReLU → 1×1 convolution to 2·C channels: the logit-Laplace location μ and log-scale ln b per channel.
/// </summary>
/// <remarks>
/// On a one-hot input the first 1×1 convolution is an embedding lookup (column k of its weight plus the
/// bias); on the gumbel-softmax relaxation during training it is the matching convex mixture of embeddings.
/// </remarks>
public sealed class DvaeDecoder : Module<Tensor, Tensor>
{
    private readonly Sequential blocks;
    // The same modules as `blocks`, in order, for token decoding. A List is not registered a second time
    // (a Module-typed field would be, under a second name), so the input convolution is reached through it.
    private readonly List<Module<Tensor, Tensor>> layers;
    private readonly long codebookSize;

    public DvaeDecoder(string name, DvaeConfig config) : base(name)
    {
        config.Validate();
        codebookSize = config.CodebookSize;
        var items = new List<(string, Module<Tensor, Tensor>)>
        {
            ("input", DvaeConv.Create(config.CodebookSize, config.DecoderInputWidth, 1)),
        };
        long width = config.DecoderInputWidth;
        for (int g = 0; g < config.Groups; g++)
        {
            // Widest first: the decoder's group g mirrors the encoder's group Groups−1−g.
            long outWidth = config.GroupWidth(config.Groups - 1 - g);
            var group = new List<(string, Module<Tensor, Tensor>)>();
            for (int i = 0; i < config.BlocksPerGroup; i++)
            {
                long inWidth = i == 0 ? width : outWidth;
                group.Add(($"block_{i + 1}", new DecoderBlock($"block_{i + 1}", inWidth, outWidth, config.LayerCount)));
            }
            if (g < config.Groups - 1) group.Add(("upsample", nn.Upsample(scale_factor: new[] { 2.0, 2.0 }, mode: UpsampleMode.Nearest)));
            items.Add(($"group_{g + 1}", nn.Sequential(group.ToArray())));
            width = outWidth;
        }
        items.Add(("output", nn.Sequential(
            ("relu", nn.ReLU()),
            ("conv", DvaeConv.Create(width, 2L * config.Channels, 1)))));
        blocks = nn.Sequential(items.ToArray());
        layers = items.Select(item => item.Item2).ToList();
        RegisterComponents();
    }

    /// <summary>Logit-Laplace statistics for a (one-hot or relaxed) distribution over the codebook.</summary>
    public override Tensor forward(Tensor codes)              // (B, K, h, w)
    {
        return blocks.forward(codes);                         // (B, 2C, h·2^(G-1), w·2^(G-1))
    }

    /// <summary>
    /// The same statistics for hard tokens, with the first 1×1 convolution done as the embedding lookup it
    /// is on one-hot input (column k of its weight plus its bias): no (B, K, h, w) one-hot tensor, which
    /// matters at the paper's K = 8192.
    /// </summary>
    public Tensor ForwardTokens(Tensor tokens)                // (B, h, w) int64 in [0, K)
    {
        var inputConv = (CpuSafeConv2d)layers[0];
        var table = inputConv.Weight.view(-1, codebookSize).t();                  // (K, D)
        long b = tokens.shape[0], h = tokens.shape[1], w = tokens.shape[2];
        var x = table.index_select(0, tokens.reshape(-1))                         // (B·h·w, D)
            .view(b, h, w, -1).permute(0, 3, 1, 2).contiguous();                  // (B, D, h, w)
        x = x + inputConv.Bias!.view(1, -1, 1, 1);                                // (B, D, h, w)
        for (int i = 1; i < layers.Count; i++) x = layers[i].forward(x);          // → (B, 2C, H, W)
        return x;
    }
}
