using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace DalleOrleans.Model.Dvae;

/// <summary>
/// The dVAE encoder: 7×7 input convolution → groups of <see cref="EncoderBlock"/>s (widths n, 2n, 4n, …)
/// with a 2× max-pool ending every group but the last → ReLU → 1×1 convolution to codebook logits.
/// </summary>
/// <remarks>
/// Parameter names follow openai/DALL-E's encoder ("blocks.input", "blocks.group_1.block_1.res_path.conv_1", …)
/// so a reader can line the two up; checkpoints are loaded strictly by these names.
/// Input: pixels already mapped into [ε, 1−ε] (see <see cref="LogitLaplace.MapPixels"/>).
/// </remarks>
public sealed class DvaeEncoder : Module<Tensor, Tensor>
{
    /// <summary>The first convolution's kernel, as in the paper's released encoder.</summary>
    public const int InputKernel = 7;

    private readonly Sequential blocks;

    public DvaeEncoder(string name, DvaeConfig config) : base(name)
    {
        config.Validate();
        var items = new List<(string, Module<Tensor, Tensor>)>
        {
            ("input", DvaeConv.Create(config.Channels, config.HiddenWidth, InputKernel)),
        };
        long width = config.HiddenWidth;
        for (int g = 0; g < config.Groups; g++)
        {
            long outWidth = config.GroupWidth(g);
            var group = new List<(string, Module<Tensor, Tensor>)>();
            for (int i = 0; i < config.BlocksPerGroup; i++)
            {
                // Only the group's first block changes the width.
                long inWidth = i == 0 ? width : outWidth;
                group.Add(($"block_{i + 1}", new EncoderBlock($"block_{i + 1}", inWidth, outWidth, config.LayerCount)));
            }
            if (g < config.Groups - 1) group.Add(("pool", nn.MaxPool2d(2)));
            items.Add(($"group_{g + 1}", nn.Sequential(group.ToArray())));
            width = outWidth;
        }
        items.Add(("output", nn.Sequential(
            ("relu", nn.ReLU()),
            ("conv", DvaeConv.Create(width, config.CodebookSize, 1)))));
        blocks = nn.Sequential(items.ToArray());
        RegisterComponents();
    }

    /// <summary>Codebook logits for mapped pixels.</summary>
    public override Tensor forward(Tensor mappedPixels)      // (B, C, H, W)
    {
        return blocks.forward(mappedPixels);                  // (B, K, H/2^(G-1), W/2^(G-1))
    }
}
