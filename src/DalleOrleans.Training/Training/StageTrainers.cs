using DalleOrleans.Training.Setup;

namespace DalleOrleans.Training.Training;

public static class StageTrainers
{
    public static IStageTrainer Create(StageKind stage, StageContext context, TextWriter log) => stage switch
    {
        StageKind.Dvae => new DvaeTrainer(context),
        StageKind.Transformer => new TransformerTrainer(context, log),
        StageKind.Reranker => new RerankerTrainer(context),
        _ => throw new ArgumentOutOfRangeException(nameof(stage), stage, null),
    };
}
