using DalleOrleans.Model.Transformer;
using TorchSharp;
using static TorchSharp.torch;

namespace DalleOrleans.Model.Tests;

/// <summary>Incremental decoding with the KV cache gives the logits of a full forward pass, for every mask kind.</summary>
public class KvCacheEquivalenceTests
{
    static TransformerConfig Tiny(AttentionKind[] kinds) => new()
    {
        TextVocabSize = 20, TextLength = 5, ImageVocabSize = 16, GridSize = 4, ModelDim = 32, Heads = 4,
        Layers = kinds.Length, Attention = kinds, ConvKernel = 3,
    };

    public static TheoryData<string> Patterns => new() { "dense", "row", "column", "conv", "paper" };

    static AttentionKind[] Kinds(string pattern) => pattern switch
    {
        "dense" => new[] { AttentionKind.Dense, AttentionKind.Dense },
        "row" => new[] { AttentionKind.Row, AttentionKind.Row },
        "column" => new[] { AttentionKind.Column, AttentionKind.Column },
        "conv" => new[] { AttentionKind.Conv, AttentionKind.Conv },
        _ => TransformerConfig.DefaultPattern(4),
    };

    [Theory]
    [MemberData(nameof(Patterns))]
    public void IncrementalLogitsMatchTheFullForwardPass(string pattern)
    {
        TorchRuntime.Initialize();
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        manual_seed(1);
        var config = Tiny(Kinds(pattern));
        var model = new DalleTransformer(config);
        model.eval();
        int B = 3, L = config.TextLength, N = config.ImageTokens;
        var text = randint(2, config.TextVocabSize, new long[] { B, L }, dtype: int64);
        text[0, TensorIndex.Slice(3)] = tensor(0L);                      // row 0 has padding
        var image = randint(0, config.ImageVocabSize, new long[] { B, N }, dtype: int64);
        var (_, full) = model.Forward(text, image);                       // (B, N, K)

        using var cache = new KvCache(config, B, CPU);
        var logits = model.Prefill(text, cache, arange(B, dtype: int64));
        double worst = (logits - full[.., 0]).abs().max().item<float>();
        for (int k = 0; k < N - 1; k++)
        {
            var positions = new StepPositions(config, Enumerable.Repeat(config.ImagePosition(k), B).ToArray(), CPU);
            logits = model.DecodeStep(image[.., k], positions, cache);
            worst = Math.Max(worst, (logits - full[.., k + 1]).abs().max().item<float>());
        }
        Assert.True(worst <= 1e-4, $"max |incremental − full| = {worst} for pattern {pattern}");
    }

    [Theory]
    [MemberData(nameof(Patterns))]
    public void RowsAtDifferentPositionsShareAStep(string pattern)
    {
        // Continuous batching: stream A starts first; stream B joins three steps later; they then step together.
        TorchRuntime.Initialize();
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        manual_seed(2);
        var config = Tiny(Kinds(pattern));
        var model = new DalleTransformer(config);
        model.eval();
        int N = config.ImageTokens;
        var text = randint(2, config.TextVocabSize, new long[] { 2, config.TextLength }, dtype: int64);
        var image = randint(0, config.ImageVocabSize, new long[] { 2, N }, dtype: int64);
        var (_, full) = model.Forward(text, image);

        using var cache = new KvCache(config, 2, CPU);
        double worst = 0;
        void Check(Tensor got, int row, int token) =>
            worst = Math.Max(worst, (got - full[row, token]).abs().max().item<float>());

        Check(model.Prefill(text[0..1], cache, tensor(new long[] { 0 }))[0], 0, 0);
        const int lead = 3;
        for (int k = 0; k < lead; k++)
            Check(model.DecodeStep(image[0..1, k], new StepPositions(config, new[] { config.ImagePosition(k) }, CPU), cache)[0], 0, k + 1);
        Check(model.Prefill(text[1..2], cache, tensor(new long[] { 1 }))[0], 1, 0);
        for (int k = 0; k + lead < N - 1; k++)
        {
            var tokens = stack(new[] { image[0, k + lead], image[1, k] });
            var positions = new StepPositions(config, new[] { config.ImagePosition(k + lead), config.ImagePosition(k) }, CPU);
            var logits = model.DecodeStep(tokens, positions, cache);
            Check(logits[0], 0, k + lead + 1);
            Check(logits[1], 1, k + 1);
        }
        Assert.True(worst <= 1e-4, $"max |batched incremental − full| = {worst} for pattern {pattern}");
    }

    [Fact]
    public void CopySlotMovesAStreamWithoutChangingItsLogits()
    {
        TorchRuntime.Initialize();
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        manual_seed(3);
        var config = Tiny(Kinds("paper"));
        var model = new DalleTransformer(config);
        model.eval();
        var text = randint(2, config.TextVocabSize, new long[] { 1, config.TextLength }, dtype: int64);
        var image = randint(0, config.ImageVocabSize, new long[] { 1, config.ImageTokens }, dtype: int64);
        var (_, full) = model.Forward(text, image);
        using var cache = new KvCache(config, 3, CPU);
        model.Prefill(text, cache, tensor(new long[] { 2 }));
        cache.CopySlot(2, 0);
        var logits = model.DecodeStep(image[.., 0], new StepPositions(config, new[] { config.ImagePosition(0) }, CPU), cache);
        Assert.True((logits - full[.., 1]).abs().max().item<float>() <= 1e-4);
    }
}
