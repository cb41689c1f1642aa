using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace DalleOrleans.Model.Reranker;

/// <summary>
/// Caption → embedding: token and learned position embeddings → pre-LN transformer layers whose
/// attention ignores pad keys → final LayerNorm → mean over the real (non-pad) tokens → linear projection.
/// </summary>
/// <remarks>
/// Why mean pooling rather than CLIP's end-of-text token: captions here come from a tokenizer without
/// a dedicated end token, and the mean over real tokens makes the result independent of how much
/// padding follows (pad positions are neither attended to nor pooled), so one caption always gets one
/// embedding whatever length it was padded to.
/// </remarks>
public sealed class TextEncoder : Module<Tensor, Tensor>
{
    private readonly Embedding token_embedding;
    private readonly Parameter position_embedding;
    private readonly ModuleList<TextBlock> layers;
    private readonly LayerNorm ln_final;
    private readonly Linear proj;

    public TextEncoder(string name, RerankerConfig config) : base(name)
    {
        config.Validate();
        token_embedding = nn.Embedding(config.TextVocabSize, config.TextWidth, padding_idx: RerankerConfig.PadToken);
        position_embedding = new Parameter(torch.empty(config.TextLength, config.TextWidth));   // (L, W)
        layers = nn.ModuleList(Enumerable.Range(0, config.TextLayers)
            .Select(i => new TextBlock($"layer_{i}", config.TextWidth, config.TextHeads, (long)config.TextMlpRatio * config.TextWidth))
            .ToArray());
        ln_final = nn.LayerNorm(config.TextWidth);
        proj = nn.Linear(config.TextWidth, config.EmbedDim, hasBias: false);
        using (torch.no_grad())
        {
            // CLIP's initialisation: small embeddings so the residual stream starts near zero.
            nn.init.normal_(token_embedding.weight!, 0.0, 0.02);
            token_embedding.weight![RerankerConfig.PadToken].zero_();
            nn.init.normal_(position_embedding, 0.0, 0.01);
            nn.init.normal_(proj.weight!, 0.0, 1.0 / Math.Sqrt(config.TextWidth));
        }
        RegisterComponents();
    }

    /// <summary>Unnormalised text embeddings; pad id 0 marks unused positions.</summary>
    public override Tensor forward(Tensor tokens)                            // (B, L) int64, L ≤ TextLength
    {
        long b = tokens.shape[0], l = tokens.shape[1];
        var keep = tokens.ne(RerankerConfig.PadToken);                        // (B, L) bool: real tokens
        // A caption with no real tokens attends everywhere (an all-false row would make softmax NaN);
        // its pooled vector is still zero, because pooling counts real tokens only.
        var keyMask = keep.logical_or(keep.any(1, keepdim: true).logical_not())   // (B, L)
            .view(b, 1, 1, l);                                                // (B, 1, 1, L)

        var x = token_embedding.forward(tokens)                              // (B, L, W)
            + position_embedding.narrow(0, 0, l);                            // (L, W) broadcast
        foreach (var layer in layers) x = layer.forward(x, keyMask);         // (B, L, W)
        x = ln_final.forward(x);                                             // (B, L, W)

        var weights = keep.unsqueeze(-1).to(x.dtype);                        // (B, L, 1)
        var pooled = (x * weights).sum(1) / weights.sum(1).clamp(min: 1.0);  // (B, W)
        return proj.forward(pooled);                                          // (B, E)
    }
}
