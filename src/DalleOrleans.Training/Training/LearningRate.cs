using TorchSharp.Modules;
using DalleOrleans.Training.Setup;

namespace DalleOrleans.Training.Training;

/// <summary>The step-size schedule of the transformer and the reranker: linear warm-up, then a half-cosine down to a floor.</summary>
public static class LearningRate
{
    public static double WarmupCosine(StagePlan plan, long step)
    {
        double peak = plan.LearningRate;
        if (step < plan.WarmupSteps) return peak * (step + 1) / plan.WarmupSteps;
        long decaySteps = Math.Max(1, plan.Steps - plan.WarmupSteps);
        double progress = Math.Clamp((double)(step - plan.WarmupSteps) / decaySteps, 0, 1);
        double floor = plan.MinLearningRateRatio;
        return peak * (floor + (1 - floor) * 0.5 * (1 + Math.Cos(Math.PI * progress)));
    }

    /// <summary>Sets every parameter group's step size (the schedule is computed here, not by a torch scheduler, so resuming is just the step number).</summary>
    public static void Apply(OptimizerHelper optimizer, double learningRate)
    {
        foreach (var group in optimizer.ParamGroups) group.LearningRate = learningRate;
    }
}
