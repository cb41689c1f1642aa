using DalleOrleans.Model;
using DalleOrleans.Model.Text;
using DalleOrleans.Shapes;
using DalleOrleans.Training.Data;
using DalleOrleans.Training.Evaluation;
using DalleOrleans.Training.Setup;
using DalleOrleans.Training.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace DalleOrleans.Training.Tests;

public class TallyAndMemoryTests
{
    [Fact]
    public void TheTallyCountsOnlyNamedAttributesAndFullMatches()
    {
        var tally = new AttributeTally();
        tally.Add(new AttributeAgreement(true, true, null, null, null));
        tally.Add(new AttributeAgreement(true, false, true, null, null));
        tally.Add(new AttributeAgreement(false, null, null, null, true));
        Assert.Equal(3, tally.Captions);
        Assert.Equal(1, tally.FullMatches);
        Assert.Equal((2, 3), tally.Attribute(0));   // kind
        Assert.Equal((1, 2), tally.Attribute(1));   // colour
        Assert.Equal((1, 1), tally.Attribute(2));   // size
        Assert.Equal((0, 0), tally.Attribute(3));   // position: never named
        Assert.Equal(100.0 / 3, tally.FullMatchPercent, 9);
    }

    [Fact]
    public void TrainingStepsDoNotLeakTensors()
    {
        TorchThreads.Initialize(null);   // as the commands do: libtorch keeps the first setting for the process
        string folder = TinyRun.NewFolder("leak");
        var config = ModelConfig.FromJson(TinyRun.ConfigJson.Replace("\"TextVocabSize\": 128", "\"TextVocabSize\": 3"));
        var tokenizer = TextTokenizer.Build(["a", "b"], 32);
        var plan = new StagePlan(100, 4, 1e-3);
        var context = new StageContext(new RunFolder(folder), config, tokenizer, CPU, plan, Seed: 0);
        using var trainer = new DvaeTrainer(context);
        using var producer = new BatchProducer(new BatchSpec(0, Split.Train, 4));

        long LiveAfterStep(int step)
        {
            using (NewDisposeScope()) trainer.Step(producer.Take(), step);
            return DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        }

        LiveAfterStep(0);
        LiveAfterStep(1);   // the optimiser creates its moments during the first steps
        long before = LiveAfterStep(2);
        for (int step = 3; step < 8; step++) LiveAfterStep(step);
        Assert.Equal(before, LiveAfterStep(8));
    }
}
