using DalleOrleans.Model.Text;
using DalleOrleans.Shapes;
using DalleOrleans.Training.Data;
using DalleOrleans.Training.Setup;

namespace DalleOrleans.Training.Tests;

public class BatchProducerTests
{
    static readonly TextTokenizer Tokenizer = TextTokenizer.Build(RunSetup.VocabularyCaptions(1, 500), 32);

    [Fact]
    public void BatchesHoldImagesAndPaddedCaptionTokens()
    {
        using var producer = new BatchProducer(new BatchSpec(3, Split.Train, BatchSize: 5, Tokenizer));
        var batch = producer.Take();
        Assert.Equal(5, batch.Size);
        Assert.Equal(64, batch.ImageSide);
        Assert.Equal(5 * ShapeRenderer.ByteCount, batch.Rgb.Length);
        Assert.Equal(5 * 32, batch.Text.Length);
        for (int i = 0; i < 5; i++)
            Assert.Equal(Tokenizer.EncodePadded(batch.Captions[i]), batch.Text.AsSpan(i * 32, 32).ToArray());
    }

    [Fact]
    public void TheSameSeedGivesTheSameStream()
    {
        using var a = new BatchProducer(new BatchSpec(11, Split.Train, 4, Tokenizer));
        using var b = new BatchProducer(new BatchSpec(11, Split.Train, 4, Tokenizer));
        for (int i = 0; i < 3; i++)
        {
            var (x, y) = (a.Take(), b.Take());
            Assert.Equal(x.Captions, y.Captions);
            Assert.Equal(x.Rgb, y.Rgb);
        }
    }

    [Fact]
    public void DroppedCaptionsAreEmptyAndAllPadding()
    {
        using var producer = new BatchProducer(new BatchSpec(5, Split.Train, 200, Tokenizer, CaptionDropout: 0.1));
        var batch = producer.Take();
        var dropped = Enumerable.Range(0, batch.Size).Where(i => batch.Captions[i] == "").ToList();
        Assert.InRange(dropped.Count, 5, 40);   // about 20 of 200
        foreach (int i in dropped) Assert.All(batch.Text.AsSpan(i * 32, 32).ToArray(), t => Assert.Equal(0, t));
    }

    [Fact]
    public void TrainingBatchesNeverNameAHeldOutPair()
    {
        using var producer = new BatchProducer(new BatchSpec(7, Split.Train, 500, Tokenizer));
        foreach (var caption in producer.Take().Captions)
        {
            var named = CaptionParser.Parse(caption);
            if (named.Color is { } color && named.Kind is { } kind)
                Assert.False(HeldOutPairs.IsHeldOut(color, kind), caption);
        }
    }

    [Fact]
    public void ImagesOnlyBatchesCarryNoText()
    {
        using var producer = new BatchProducer(new BatchSpec(2, Split.Train, 3));
        var batch = producer.Take();
        Assert.Empty(batch.Text);
        Assert.Equal(0, batch.TextLength);
    }

    [Fact]
    public void DataSeedsDifferByStageAndResumePoint()
    {
        var seeds = new[]
        {
            DataSeeds.Training(0, StageKind.Dvae, 0), DataSeeds.Training(0, StageKind.Transformer, 0),
            DataSeeds.Training(0, StageKind.Dvae, 100), DataSeeds.Training(1, StageKind.Dvae, 0),
        };
        Assert.Equal(seeds.Length, seeds.Distinct().Count());
    }
}
