using DalleOrleans.Shapes;

namespace DalleOrleans.Training.Evaluation;

/// <summary>Everything `eval` measured, ready for the report.</summary>
public sealed record EvaluationResult(
    string ModelId,
    IReadOnlyList<CaptionVerdict> Verdicts,
    IReadOnlyList<PsnrMeasurement.Result> Psnr,
    TimeSpan Elapsed)
{
    /// <summary>Per caption: the ceiling, best-of-N, the top-1's kind and the colour shares (<see cref="CaptionOutcome"/>).</summary>
    public IReadOnlyList<CaptionOutcome> Outcomes { get; init; } = [];

    /// <summary>Percent of <paramref name="split"/>'s captions for which <paramref name="test"/> holds.</summary>
    public double OutcomePercent(Split split, Func<CaptionOutcome, bool> test)
    {
        var list = Outcomes.Where(o => o.Split == split).ToList();
        return list.Count == 0 ? 0 : 100.0 * list.Count(test) / list.Count;
    }

    /// <summary>Mean named-colour share (percent) of the chosen images over the captions that name both colours; null when none do.</summary>
    public double? MeanColorShare(Split? split, Func<CaptionOutcome, double?> share)
    {
        var values = Outcomes.Where(o => split is null || o.Split == split).Select(share).Where(v => v is not null).Select(v => v!.Value).ToList();
        return values.Count == 0 ? null : 100.0 * values.Average();
    }

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
