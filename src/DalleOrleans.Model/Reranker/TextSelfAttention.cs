using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace DalleOrleans.Model.Reranker;

/// <summary>Multi-head self-attention over a padded token sequence, blind to pad keys.</summary>
public sealed class TextSelfAttention : Module<Tensor, Tensor, Tensor>
{
    private readonly Linear qkv;
    private readonly Linear proj;
    private readonly long heads;

    public TextSelfAttention(string name, long width, long heads) : base(name)
    {
        if (heads < 1 || width % heads != 0) throw new ArgumentException($"heads ({heads}) must divide width ({width}).", nameof(heads));
        this.heads = heads;
        qkv = nn.Linear(width, 3 * width);
        proj = nn.Linear(width, width);
        RegisterComponents();
    }

    /// <param name="x">(B, L, W) activations.</param>
    /// <param name="keyMask">(B, 1, 1, L) bool: true where a key may be attended to.</param>
    public override Tensor forward(Tensor x, Tensor keyMask)
    {
        long b = x.shape[0], l = x.shape[1], w = x.shape[2];
        var qkvHeads = qkv.forward(x)                                   // (B, L, 3W)
            .view(b, l, 3, heads, w / heads)                             // (B, L, 3, heads, D)
            .permute(2, 0, 3, 1, 4);                                     // (3, B, heads, L, D)
        var (q, k, v) = (qkvHeads[0], qkvHeads[1], qkvHeads[2]);         // each (B, heads, L, D)
        // A bool mask keeps the keys where it is true: softmax(q·kᵀ/√D) is taken over real tokens only.
        var y = nn.functional.scaled_dot_product_attention(q, k, v, attn_mask: keyMask);   // (B, heads, L, D)
        return proj.forward(y.transpose(1, 2).reshape(b, l, w));         // (B, L, W)
    }
}
