using DalleOrleans.Model.Checkpoints;
using DalleOrleans.Training.Checkpointing;
using DalleOrleans.Training.Setup;

namespace DalleOrleans.Training.Tests;

[Collection(TrainedRunCollection.Name)]
public class StageResumeTests(TrainedRunFixture run)
{
    public static TheoryData<string> Stages => new() { "dvae", "transformer", "reranker" };

    [Theory]
    [MemberData(nameof(Stages))]
    public void BothSessionsSucceed(string stage)
    {
        var (first, second) = run.Sessions[stage];
        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.Contains($"{stage}: training 2 steps of 8", first.Output);
        Assert.Contains($"{stage}: checkpoint at step 2 (end of plan)", first.Output);
    }

    [Theory]
    [MemberData(nameof(Stages))]
    public void TheSecondSessionResumesFromTheSavedStepWithItsOptimiser(string stage)
    {
        var second = run.Sessions[stage].Second;
        Assert.Contains($"{stage}: resuming at step 2/3", second.Output);
        Assert.DoesNotContain("fresh optimiser moments", second.Output);
        // The step counter continues: the only step this session ran is step 3.
        Assert.Contains($"{stage} step 3/3", second.Output);
        Assert.DoesNotContain($"{stage} step 1/3", second.Output);
    }

    [Theory]
    [MemberData(nameof(Stages))]
    public void TheStateFileRecordsBothSessionsAndTheFinalStep(string stage)
    {
        var kind = Enum.Parse<StageKind>(stage, ignoreCase: true);
        var folder = new RunFolder(run.Run);
        var state = StageState.Read(folder.StatePath(kind));
        Assert.Equal(3, state.Step);
        Assert.True(state.IsComplete);
        Assert.Equal(8, state.Plan.Batch);           // kept from the first session: the second did not pass --batch
        Assert.Equal(3 * 8, state.SamplesSeen);
        Assert.Equal(2, state.Sessions.Count);
        Assert.True(state.TrainSeconds > 0);
        Assert.Contains("loss", state.Metrics.Keys);

        Assert.Equal($"{stage}.optimizer.3.bin", state.OptimizerFile);
        Assert.Equal([$"{stage}.optimizer.3.bin"], Directory.GetFiles(run.Run, $"{stage}.optimizer.*.bin").Select(Path.GetFileName));
        Assert.Equal("3", SafeTensors.Read(folder.WeightsPath(kind)).Metadata[StageCheckpoint.StepMetadataKey]);
    }

    [Fact]
    public void AFinishedStageIsLeftAlone()
    {
        var again = CliRunner.Stage("dvae", run.Run, "--steps", "3");
        Assert.Equal(0, again.ExitCode);
        Assert.Contains("already trained (3/3 steps)", again.Output);
    }

    [Fact]
    public void PreviewGridsAreWrittenAsPng()
    {
        string samples = Path.Combine(run.Run, "samples");
        // dVAE: 16 originals over their 16 reconstructions.
        Assert.Equal(PngSize.Grid(32, 8), PngSize.Of(Path.Combine(samples, "dvae-0000002.png")));
        Assert.True(File.Exists(Path.Combine(samples, "dvae-0000003.png")));
        // Transformer and reranker: 6 preview captions × 4 images.
        Assert.Equal(PngSize.Grid(24, 4), PngSize.Of(Path.Combine(samples, "transformer-0000003.png")));
        Assert.Equal(PngSize.Grid(24, 4), PngSize.Of(Path.Combine(samples, "reranker-0000003.png")));
    }

    [Fact]
    public void TheRunHasItsConfigAndVocabulary()
    {
        var folder = new RunFolder(run.Run);
        var config = DalleOrleans.Model.ModelConfig.FromJson(File.ReadAllText(folder.ConfigPath));
        var vocab = DalleOrleans.Model.Text.TextTokenizer.Load(folder.VocabPath);
        Assert.Equal("tiny-train-test", config.ModelId);
        Assert.Equal(vocab.VocabSize, config.Transformer.TextVocabSize);
        Assert.Equal(vocab.VocabSize, config.Reranker.TextVocabSize);
        Assert.Equal(32, vocab.MaxLength);
    }
}
