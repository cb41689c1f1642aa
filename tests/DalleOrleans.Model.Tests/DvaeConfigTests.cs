using System.Text.Json;
using DalleOrleans.Model.Dvae;

namespace DalleOrleans.Model.Tests;

public class DvaeConfigTests
{
    [Fact]
    public void DefaultsMatchTheShippedShape()
    {
        var c = new DvaeConfig();
        c.Validate();
        Assert.Equal(8, c.Downsample);
        Assert.Equal(8, c.GridSize);
        Assert.Equal(64, c.TokensPerImage);
        Assert.Equal(256, c.GroupWidth(3));
    }

    [Theory]
    [InlineData(nameof(DvaeConfig.ImageSize), "divisible")]
    [InlineData(nameof(DvaeConfig.HiddenWidth), "multiple of 4")]
    [InlineData(nameof(DvaeConfig.CodebookSize), "2..")]
    [InlineData(nameof(DvaeConfig.Groups), "1..8")]
    [InlineData(nameof(DvaeConfig.BlocksPerGroup), "1..64")]
    [InlineData(nameof(DvaeConfig.Channels), "1..64")]
    [InlineData(nameof(DvaeConfig.DecoderInputWidth), "1..")]
    public void ValidationNamesTheFieldAndItsLimit(string field, string limit)
    {
        var bad = field switch
        {
            nameof(DvaeConfig.ImageSize) => new DvaeConfig { ImageSize = 60 },
            nameof(DvaeConfig.HiddenWidth) => new DvaeConfig { HiddenWidth = 6 },
            nameof(DvaeConfig.CodebookSize) => new DvaeConfig { CodebookSize = 1 },
            nameof(DvaeConfig.Groups) => new DvaeConfig { Groups = 0 },
            nameof(DvaeConfig.BlocksPerGroup) => new DvaeConfig { BlocksPerGroup = 0 },
            nameof(DvaeConfig.Channels) => new DvaeConfig { Channels = 0 },
            _ => new DvaeConfig { DecoderInputWidth = 0 },
        };
        var e = Assert.Throws<ArgumentException>(bad.Validate);
        Assert.Equal(field, e.ParamName);
        Assert.Contains(field, e.Message);
        Assert.Contains(limit, e.Message);
    }

    [Fact]
    public void RoundTripsThroughJsonWithoutDerivedFields()
    {
        var c = new DvaeConfig { ImageSize = 32, HiddenWidth = 16, CodebookSize = 64, BlocksPerGroup = 2 };
        string json = JsonSerializer.Serialize(c);
        Assert.DoesNotContain(nameof(DvaeConfig.GridSize), json);
        Assert.Equal(c, JsonSerializer.Deserialize<DvaeConfig>(json));
    }

    [Fact]
    public void ScheduleAnnealsTemperatureAndRampsKlWeight()
    {
        var s = new DvaeSchedule { TemperatureSteps = 100, KlWarmupSteps = 10, FinalKlWeight = 6.6 };
        s.Validate();
        Assert.Equal(1.0, s.Temperature(0), 12);
        Assert.Equal((1.0 + 1.0 / 16) / 2, s.Temperature(50), 12);   // half-way on a half-cosine is the midpoint
        Assert.Equal(1.0 / 16, s.Temperature(100), 12);
        Assert.Equal(1.0 / 16, s.Temperature(10_000), 12);
        Assert.True(s.Temperature(30) > s.Temperature(31));
        Assert.Equal(0.0, s.KlWeight(0), 12);
        Assert.Equal(6.6, s.KlWeight(10), 12);
        Assert.True(s.LearningRate(0) > s.LearningRate(s.LearningRateSteps));

        var e = Assert.Throws<ArgumentException>(new DvaeSchedule { FinalTemperature = 0 }.Validate);
        Assert.Equal(nameof(DvaeSchedule.FinalTemperature), e.ParamName);
    }
}
