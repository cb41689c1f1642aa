using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace DalleOrleans.Model.Transformer;

/// <summary>Pre-norm transformer layer: x + Attn(LN(x)), then x + MLP(LN(x)).</summary>
public sealed class TransformerBlock : Module
{
    readonly LayerNorm ln1, ln2;
    readonly SelfAttention attn;
    readonly Linear fc, fcOut;
    readonly Dropout drop;

    public AttentionKind Kind { get; }

    public TransformerBlock(TransformerConfig config, AttentionKind kind) : base(nameof(TransformerBlock))
    {
        Kind = kind;
        ln1 = LayerNorm(config.ModelDim);
        attn = new SelfAttention(config);
        ln2 = LayerNorm(config.ModelDim);
        fc = Linear(config.ModelDim, config.ModelDim * config.MlpRatio);
        fcOut = Linear(config.ModelDim * config.MlpRatio, config.ModelDim);
        drop = Dropout(config.Dropout);
        RegisterComponents();
    }

    Tensor Mlp(Tensor x) => drop.forward(fcOut.forward(functional.gelu(fc.forward(x))));

    public Tensor Forward(Tensor x, Tensor mask, KvCache? cache, int layer, Tensor? slots)
    {
        x = x + drop.forward(attn.Forward(ln1.forward(x), mask, cache, layer, slots));
        return x + Mlp(ln2.forward(x));
    }

    public Tensor Step(Tensor x, KvCache cache, int layer, Tensor writeIndex, Tensor maskRows, long keyLength)
    {
        x = x + attn.Step(ln1.forward(x), cache, layer, writeIndex, maskRows, keyLength);
        return x + Mlp(ln2.forward(x));
    }
}
