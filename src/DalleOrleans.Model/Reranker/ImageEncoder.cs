using DalleOrleans.Model.Dvae;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace DalleOrleans.Model.Reranker;

/// <summary>
/// Image → embedding: 3×3 stem convolution → GroupNorm → ReLU → <see cref="ImageStage"/>s (each halves the
/// side and doubles the channels) → global average pool → linear projection.
/// </summary>
/// <remarks>Every operation is per image, so a result never depends on the rest of the batch.</remarks>
public sealed class ImageEncoder : Module<Tensor, Tensor>
{
    private readonly CpuSafeConv2d stem;
    private readonly GroupNorm stem_norm;
    private readonly ModuleList<ImageStage> stages;
    private readonly Linear proj;

    public ImageEncoder(string name, RerankerConfig config) : base(name)
    {
        config.Validate();
        stem = new CpuSafeConv2d(config.ImageChannels, config.ImageWidth, 3, stride: 1, padding: 1, bias: false);
        stem_norm = nn.GroupNorm(config.ImageNormGroups, config.ImageWidth);
        stages = nn.ModuleList(Enumerable.Range(0, config.ImageStages)
            .Select(s => new ImageStage($"stage_{s}", config.ImageStageWidth(s), config.ImageStageWidth(s + 1), config.ImageNormGroups))
            .ToArray());
        long width = config.ImageStageWidth(config.ImageStages);
        proj = nn.Linear(width, config.EmbedDim, hasBias: false);
        using (torch.no_grad())
        {
            // TorchSharp 0.107's GroupNorm leaves its affine parameters as uninitialised memory: set the identity.
            stem_norm.weight!.fill_(1.0f);
            stem_norm.bias!.zero_();
            nn.init.normal_(proj.weight!, 0.0, 1.0 / Math.Sqrt(width));
        }
        RegisterComponents();
    }

    /// <summary>Unnormalised image embeddings for images in [0, 1].</summary>
    public override Tensor forward(Tensor images)                             // (B, C, H, W) in [0, 1]
    {
        var x = images * 2.0 - 1.0;                                           // (B, C, H, W) centred on 0
        x = nn.functional.relu(stem_norm.forward(stem.forward(x)));          // (B, w, H, W)
        foreach (var stage in stages) x = stage.forward(x);                  // (B, w·2^S, H/2^S, W/2^S)
        var pooled = x.mean(new long[] { 2, 3 });                             // (B, w·2^S)
        return proj.forward(pooled);                                          // (B, E)
    }
}
