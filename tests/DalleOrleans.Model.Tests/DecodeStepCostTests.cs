using DalleOrleans.Model.Transformer;

namespace DalleOrleans.Model.Tests;

/// <summary>The decode step's FLOP count (the roofline's numerator) against a count done by hand.</summary>
public class DecodeStepCostTests
{
    static readonly TransformerConfig Tiny = new()
    {
        TextVocabSize = 20, TextLength = 5, ImageVocabSize = 16, GridSize = 4, ModelDim = 32, Heads = 4,
        Layers = 4, MlpRatio = 4, Attention = TransformerConfig.DefaultPattern(4),
    };

    [Fact]
    public void Multiply_adds_match_a_hand_count_for_a_tiny_config()
    {
        // Per layer: QKV 32·96 = 3072, out 32·32 = 1024, MLP 32·128 + 128·32 = 8192, attention 2·10·32 = 640 → 12928.
        // Four layers 51712, image head 32·16 = 512 → 52224.
        Assert.Equal(52224L, DecodeStepCost.MultiplyAdds(Tiny, keyLength: 10));
        Assert.Equal(2.0 * 3 * 52224, DecodeStepCost.Flops(Tiny, keyLength: 10, rows: 3));
    }

    [Fact]
    public void Only_attention_grows_with_the_key_length()
    {
        long oneMore = DecodeStepCost.MultiplyAdds(Tiny, 11) - DecodeStepCost.MultiplyAdds(Tiny, 10);
        Assert.Equal(Tiny.Layers * 2L * Tiny.ModelDim, oneMore);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(22)]      // SequenceLength is 5 + 16 = 21
    public void Key_lengths_outside_the_sequence_are_refused(int keyLength) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => DecodeStepCost.MultiplyAdds(Tiny, keyLength));
}
