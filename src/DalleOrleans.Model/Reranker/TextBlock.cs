using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace DalleOrleans.Model.Reranker;

/// <summary>A pre-LayerNorm transformer encoder layer: x + attn(ln(x)), then x + mlp(ln(x)).</summary>
public sealed class TextBlock : Module<Tensor, Tensor, Tensor>
{
    private readonly LayerNorm ln_1;
    private readonly TextSelfAttention attn;
    private readonly LayerNorm ln_2;
    private readonly Linear mlp_fc;
    private readonly Linear mlp_proj;

    public TextBlock(string name, long width, long heads, long mlpWidth) : base(name)
    {
        ln_1 = nn.LayerNorm(width);
        attn = new TextSelfAttention(nameof(attn), width, heads);
        ln_2 = nn.LayerNorm(width);
        mlp_fc = nn.Linear(width, mlpWidth);
        mlp_proj = nn.Linear(mlpWidth, width);
        RegisterComponents();
    }

    /// <param name="x">(B, L, W) activations.</param>
    /// <param name="keyMask">(B, 1, 1, L) bool: true where a key may be attended to.</param>
    public override Tensor forward(Tensor x, Tensor keyMask)
    {
        x = x + attn.forward(ln_1.forward(x), keyMask);                                        // (B, L, W)
        return x + mlp_proj.forward(nn.functional.gelu(mlp_fc.forward(ln_2.forward(x))));     // (B, L, W)
    }
}
