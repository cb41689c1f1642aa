namespace DalleOrleans.Training.Setup;

/// <summary>The three training stages, in the order they must run (the transformer needs the trained dVAE).</summary>
public enum StageKind { Dvae, Transformer, Reranker }

public static class StageKinds
{
    /// <summary>The stage's file stem in the run folder, which is also its file name in a model bundle.</summary>
    public static string FileStem(this StageKind stage) => stage switch
    {
        StageKind.Dvae => "dvae",
        StageKind.Transformer => "transformer",
        StageKind.Reranker => "reranker",
        _ => throw new ArgumentOutOfRangeException(nameof(stage), stage, null),
    };

    /// <summary>A per-stage constant mixed into data seeds, so two stages with one seed still see different samples.</summary>
    public static int SeedSalt(this StageKind stage) => ((int)stage + 1) * 7_919;
}
