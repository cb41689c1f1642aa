using DalleOrleans.Model;
using DalleOrleans.Model.Dvae;
using DalleOrleans.Model.Reranker;
using DalleOrleans.Training.Setup;
using DalleOrleans.Training.Training;

namespace DalleOrleans.Training.Tests;

public class PlanAndScheduleTests
{
    [Fact]
    public void WarmupRisesLinearlyThenTheCosineFallsToTheFloor()
    {
        var plan = new StagePlan(Steps: 1000, Batch: 8, LearningRate: 1e-3, WarmupSteps: 100, MinLearningRateRatio: 0.1);
        Assert.Equal(1e-5, LearningRate.WarmupCosine(plan, 0), 12);
        Assert.Equal(1e-3, LearningRate.WarmupCosine(plan, 99), 12);
        Assert.Equal(1e-3, LearningRate.WarmupCosine(plan, 100), 12);
        Assert.Equal(0.55e-3, LearningRate.WarmupCosine(plan, 550), 9);
        Assert.Equal(1e-4, LearningRate.WarmupCosine(plan, 1000), 12);
        Assert.Equal(1e-4, LearningRate.WarmupCosine(plan, 5000), 12);
    }

    [Fact]
    public void AResumedStageKeepsItsSavedPlanUnlessAnOptionOverridesIt()
    {
        var saved = new StagePlan(Steps: 500, Batch: 16, LearningRate: 2e-4, WarmupSteps: 50);
        Assert.Equal(saved, new StageOptions().ResolvePlan(StageKind.Transformer, saved));
        var extended = new StageOptions { Steps = 800 }.ResolvePlan(StageKind.Transformer, saved);
        Assert.Equal(saved with { Steps = 800 }, extended);
        Assert.Equal(ShippedConfig.Plan(StageKind.Reranker), new StageOptions().ResolvePlan(StageKind.Reranker, null));
    }

    [Fact]
    public void AShortRunKeepsItsWarmupInsideTheRun()
    {
        var plan = new StageOptions { Steps = 20 }.ResolvePlan(StageKind.Transformer, null);
        Assert.Equal(2, plan.WarmupSteps);
    }

    [Fact]
    public void TheDvaeScheduleScalesWithTheRun()
    {
        var schedule = ShippedConfig.DvaeSchedule(new StagePlan(4000, 32, 1e-3, KlWeight: 2.5));
        schedule.Validate();
        Assert.Equal(1.0, schedule.Temperature(0));
        Assert.Equal(1.0 / 16, schedule.Temperature(3000));
        Assert.Equal(2.5, schedule.KlWeight(250));
        Assert.Equal(1e-4, schedule.LearningRate(4000), 12);
    }

    [Fact]
    public void TheShippedConfigIsValidAndFitsTheSizeLimitInFp16()
    {
        var config = ShippedConfig.Model(textVocabSize: 120);
        config.Validate();
        TorchThreads.Initialize(null);   // as the commands do: libtorch keeps the first setting for the process
        using var dvae = new DiscreteVae(config.Dvae);
        using var reranker = new ContrastiveReranker(config.Reranker);
        long parameters = config.Transformer.ParameterCount() + dvae.parameters().Sum(p => p.numel()) + reranker.parameters().Sum(p => p.numel());
        double megabytes = parameters * 2 / (1024.0 * 1024.0);
        Assert.True(megabytes < 24, $"{parameters} parameters are {megabytes:F1} MiB in fp16");
        Assert.Equal(ShippedConfig.TextLength, config.Transformer.TextLength);
    }

    [Fact]
    public void EveryStagePlanIsValid()
    {
        foreach (var stage in Enum.GetValues<StageKind>()) ShippedConfig.Plan(stage).Validate();
        Assert.Equal(0.1, ShippedConfig.Plan(StageKind.Transformer).CaptionDropout);
    }
}
