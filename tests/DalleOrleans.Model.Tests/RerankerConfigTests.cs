using System.Text.Json;
using DalleOrleans.Model.Reranker;

namespace DalleOrleans.Model.Tests;

public class RerankerConfigTests
{
    [Fact]
    public void DefaultsNeedOnlyTheVocabularySize()
    {
        var e = Assert.Throws<ArgumentException>(new RerankerConfig().Validate);
        Assert.Equal(nameof(RerankerConfig.TextVocabSize), e.ParamName);
        Assert.Contains("tokenizer", e.Message);
        new RerankerConfig { TextVocabSize = 1000 }.Validate();
    }

    [Theory]
    [InlineData(nameof(RerankerConfig.TextHeads), "divide TextWidth")]
    [InlineData(nameof(RerankerConfig.TextLength), "1..4096")]
    [InlineData(nameof(RerankerConfig.EmbedDim), "1..")]
    [InlineData(nameof(RerankerConfig.ImageSize), "2^ImageStages")]
    [InlineData(nameof(RerankerConfig.ImageNormGroups), "divide ImageWidth")]
    [InlineData(nameof(RerankerConfig.TextLayers), "1..256")]
    public void ValidationNamesTheFieldAndItsLimit(string field, string limit)
    {
        var ok = new RerankerConfig { TextVocabSize = 100 };
        var bad = field switch
        {
            nameof(RerankerConfig.TextHeads) => ok with { TextHeads = 3 },
            nameof(RerankerConfig.TextLength) => ok with { TextLength = 0 },
            nameof(RerankerConfig.EmbedDim) => ok with { EmbedDim = 0 },
            nameof(RerankerConfig.ImageSize) => ok with { ImageSize = 4, ImageStages = 3 },
            nameof(RerankerConfig.ImageNormGroups) => ok with { ImageNormGroups = 5 },
            _ => ok with { TextLayers = 0 },
        };
        var e = Assert.Throws<ArgumentException>(bad.Validate);
        Assert.Equal(field, e.ParamName);
        Assert.Contains(field, e.Message);
        Assert.Contains(limit, e.Message);
    }

    [Fact]
    public void RoundTripsThroughJson()
    {
        var c = new RerankerConfig { TextVocabSize = 321, TextLayers = 3, ImageWidth = 16 };
        Assert.Equal(c, JsonSerializer.Deserialize<RerankerConfig>(JsonSerializer.Serialize(c)));
    }
}
