using DalleOrleans.Shapes;

namespace DalleOrleans.Training.Evaluation;

/// <summary>Everything `eval` measured, ready for the report.</summary>
public sealed record EvaluationResult(
    string ModelId,
    IReadOnlyList<CaptionVerdict> Verdicts,
    IReadOnlyList<PsnrMeasurement.Result> Psnr,
    TimeSpan Elapsed)
{
    public AttributeTally Tally(Split split, CandidatePick pick)
    {
        var tally = new AttributeTally();
        foreach (var v in Verdicts.Where(v => v.Split == split && v.Pick == pick)) tally.Add(v.Agreement);
        return tally;
    }

    /// <summary>Full-match points the reranked top-1 gains over a random candidate, over both caption lists.</summary>
    public double RerankingGainPoints()
    {
        var top = new AttributeTally();
        var random = new AttributeTally();
        foreach (var v in Verdicts) (v.Pick == CandidatePick.RerankedTop1 ? top : random).Add(v.Agreement);
        return top.FullMatchPercent - random.FullMatchPercent;
    }
}
