using DalleOrleans.Model.Transformer;
using TorchSharp;
using static TorchSharp.torch;

namespace DalleOrleans.Model.Tests;

/// <summary>
/// Serving in bf16 (the GPU bundle's dtype): the pipeline's KV cache takes the weights' dtype, so it costs half the
/// bytes of a float32 cache and decoding meets no mixed dtypes; the logits stay near the float32 model's.
/// </summary>
public class HalfPrecisionPipelineTests
{
    static TransformerConfig Tiny() => new()
    {
        TextVocabSize = 20, TextLength = 5, ImageVocabSize = 16, GridSize = 4, ModelDim = 32, Heads = 4,
        Layers = 2, Attention = [AttentionKind.Dense, AttentionKind.Row], ConvKernel = 3,
    };

    [Fact]
    public void A_bf16_model_decodes_with_a_bf16_cache_of_half_the_bytes()
    {
        TorchRuntime.Initialize();
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        manual_seed(3);
        var config = Tiny();
        var full = new DalleTransformer(config);
        full.eval();
        var half = new DalleTransformer(config);
        half.load_state_dict(full.state_dict());
        half.to(ScalarType.BFloat16).eval();
        int rows = 2;
        using var fullPipeline = new TransformerPipeline(full, rows, CPU);
        using var halfPipeline = new TransformerPipeline(half, rows, CPU);

        // Independent of the code: layers × (keys + values) × rows × heads × positions × head width × 2 bytes.
        long positions = config.TextLength + config.ImageTokens;
        long expected = config.Layers * 2L * rows * config.Heads * positions * config.HeadDim * 2;
        Assert.Equal(expected, halfPipeline.CacheBytes);
        Assert.Equal(2 * expected, fullPipeline.CacheBytes);

        var text = tensor(new long[] { 3, 4, 5, 0, 0, 6, 7, 8, 9, 10 }, new long[] { rows, config.TextLength });
        var slots = arange(rows, dtype: int64);
        var a = fullPipeline.Prefill(text, slots);
        var b = halfPipeline.Prefill(text, slots);
        double worst = (a - b.to(ScalarType.Float32)).abs().max().item<float>();
        var tokens = tensor(new long[] { 1, 2 });
        for (int k = 0; k < 3; k++)
        {
            int[] at = Enumerable.Repeat(config.ImagePosition(k), rows).ToArray();
            a = fullPipeline.DecodeStep(tokens, at);
            b = halfPipeline.DecodeStep(tokens, at);
            Assert.Equal(ScalarType.BFloat16, b.dtype);
            worst = Math.Max(worst, (a - b.to(ScalarType.Float32)).abs().max().item<float>());
        }
        // bf16 keeps 8 bits of mantissa: logits of this size agree to a few hundredths, not to float32's 1e-5.
        Assert.True(worst < 0.1, $"max |bf16 − float32| logit difference {worst}");
    }
}
