using DalleOrleans.Training.Setup;
using static TorchSharp.torch;

namespace DalleOrleans.Training.Training;

public static class StageTrainers
{
    /// <summary>The stage's trainer with its initial weights drawn from the run's seed (a resume then loads over them).</summary>
    public static IStageTrainer Create(StageKind stage, StageContext context, TextWriter log)
    {
        manual_seed(context.Seed);
        return stage switch
        {
            StageKind.Dvae => new DvaeTrainer(context),
            StageKind.Transformer => new TransformerTrainer(context, log),
            StageKind.Reranker => new RerankerTrainer(context),
            _ => throw new ArgumentOutOfRangeException(nameof(stage), stage, null),
        };
    }
}
