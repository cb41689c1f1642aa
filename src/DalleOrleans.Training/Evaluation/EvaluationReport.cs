using System.Globalization;
using System.Text;
using DalleOrleans.Shapes;
using DalleOrleans.Training.Commands;
using DalleOrleans.Training.Progress;

namespace DalleOrleans.Training.Evaluation;

/// <summary>EVALUATION.md: accuracy tables (seen / held-out × reranked / random), the targets, the ceiling and best-of-N, the kind
/// confusion matrix, colour fidelity, PSNR, and every verdict.</summary>
public static class EvaluationReport
{
    public const double SeenTarget = 95, HeldOutTarget = 85, GainTarget = 10, PsnrTarget = 30, JudgeTarget = 99, ColorShareTarget = 95, FlatColorTarget = 8;

    static readonly CultureInfo Ci = CultureInfo.InvariantCulture;

    public static string Markdown(EvaluationResult result, EvalOptions options)
    {
        var md = new StringBuilder();
        var s = options.Generation.Sampling;
        md.AppendLine($"# Evaluation of {result.ModelId}");
        md.AppendLine();
        string limit = options.Limit is { } l ? $" --limit {l}" : "";
        md.AppendLine(Inv($"`dalle-train eval --model {options.Generation.Model} --candidates {options.Candidates} --captions {options.Captions} --seed {options.Seed}{limit}` ") +
                      Inv($"on {DateTime.UtcNow:yyyy-MM-dd} ({Environment.ProcessorCount} cores), {ProgressSnapshot.Duration(result.Elapsed)}. ") +
                      Inv($"Sampling: temperature {s.Temperature}, top-k {s.TopK}, top-p {s.TopP}, guidance {s.GuidanceScale}."));
        md.AppendLine();
        md.AppendLine($"Each list holds the fixed captions of `EvaluationCaptions.Seen` (colour–shape pairs seen in training) or `EvaluationCaptions.HeldOut` " +
                      $"(pairs never in any training image or caption), then captions drawn from the grammar for that split with seed {options.Seed} " +
                      $"(`EvaluationCaptions.ForEvaluation`; each names colour and kind), {options.Captions} in all. Each caption gets {options.Candidates} candidates. The `AttributeJudge` reads the reranked " +
                      "top-1 and, separately, one candidate drawn at random; only the attributes the caption names are compared " +
                      "(`CaptionParser`), and a full match means all of them agree. Attribute columns: correct / captions naming it.");
        md.AppendLine();
        md.AppendLine(AccuracyTable(result));
        md.AppendLine("## Targets");
        md.AppendLine();
        md.AppendLine("| target | measured | met |");
        md.AppendLine("| --- | ---: | :---: |");
        double seen = result.Tally(Split.Train, CandidatePick.RerankedTop1).FullMatchPercent;
        double held = result.Tally(Split.HeldOut, CandidatePick.RerankedTop1).FullMatchPercent;
        double gain = result.RerankingGainPoints();
        double psnr = result.Psnr.Min(p => p.MeanDb);
        md.AppendLine(Row($"seen captions, reranked top-1 full match ≥ {SeenTarget} %", $"{seen:F1} %", seen >= SeenTarget));
        md.AppendLine(Row($"held-out pairs, reranked top-1 full match ≥ {HeldOutTarget} %", $"{held:F1} %", held >= HeldOutTarget));
        md.AppendLine(Row($"reranking beats a random candidate by ≥ {GainTarget} points (full match, both lists)", $"{gain:+0.0;-0.0;0.0} points", gain >= GainTarget));
        md.AppendLine(Row($"dVAE reconstruction PSNR ≥ {PsnrTarget} dB (mean per image, worse split)", $"{psnr:F1} dB", psnr >= PsnrTarget));
        double flat = result.Psnr.Max(p => p.WorstColorLevels);
        md.AppendLine(Row($"every palette colour within {FlatColorTarget}/255 mean absolute error on flat regions (worst colour, both splits)", $"{flat:F1}/255", flat <= FlatColorTarget));
        if (result.Outcomes.Count > 0)
        {
            double judge = Math.Min(result.OutcomePercent(Split.Train, o => o.TrueRenderMatch), result.OutcomePercent(Split.HeldOut, o => o.TrueRenderMatch));
            md.AppendLine(Row($"the judge agrees with the caption on true renders ≥ {JudgeTarget} % (worse list)", $"{judge:F1} %", judge >= JudgeTarget));
            if (result.MeanColorShare(null, o => o.Top1ColorShare) is { } share)
                md.AppendLine(Row($"reranked top-1 pixels within 24/255 of the two named colours ≥ {ColorShareTarget} % (mean, captions naming both)", $"{share:F1} %", share >= ColorShareTarget));
        }
        md.AppendLine();
        if (result.Outcomes.Count > 0) AppendOutcomes(md, result, options);
        md.AppendLine("## dVAE reconstruction");
        md.AppendLine();
        md.AppendLine("Fresh rendered images through the hard (argmax) codes, as served.");
        md.AppendLine();
        md.AppendLine("| split | images | mean PSNR | worst image | PSNR of pooled MSE | codes used | flat pixels > 24/255 off |");
        md.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var p in result.Psnr)
            md.AppendLine(Inv($"| {SplitName(p.Split)} | {p.Images} | {p.MeanDb:F2} dB | {p.MinDb:F2} dB | {p.PooledDb:F2} dB | {p.CodesUsed} | {100 * p.FlatPixelsOff:F2} % |"));
        md.AppendLine();
        md.AppendLine("Mean absolute error per palette colour on flat regions (pixels whose 5×5 neighbourhood is that exact colour in the true render), in levels of 255:");
        md.AppendLine();
        md.Append("| split |");
        foreach (var c in Palette.Colors) md.Append($" {c.ToString().ToLowerInvariant()} |");
        md.AppendLine();
        md.Append("| --- |");
        foreach (var _ in Palette.Colors) md.Append(" ---: |");
        md.AppendLine();
        foreach (var p in result.Psnr)
        {
            md.Append($"| {SplitName(p.Split)} |");
            foreach (var c in Palette.Colors) md.Append(p.FlatError.TryGetValue(c, out var e) ? Inv($" {e.MaeLevels:F1} |") : " – |");
            md.AppendLine();
        }
        md.AppendLine();
        md.AppendLine("## Every verdict");
        md.AppendLine();
        md.AppendLine("| list | caption | pick | candidate | judged | full match |");
        md.AppendLine("| --- | --- | --- | ---: | --- | :---: |");
        foreach (var v in result.Verdicts)
            md.AppendLine($"| {SplitName(v.Split)} | {v.Caption} | {PickName(v.Pick)} | {v.Candidate} | {v.Judged.Attributes} | {(v.Agreement.All ? "✓" : "✗")} |");
        return md.ToString();
    }

    /// <summary>The ceiling, best-of-N, the judge's own accuracy, the kind confusion matrix and the colour shares.</summary>
    static void AppendOutcomes(StringBuilder md, EvaluationResult result, EvalOptions options)
    {
        md.AppendLine("## Ceiling, best-of-N and the judge");
        md.AppendLine();
        md.AppendLine("Per caption a true scene with the named attributes (the rest drawn at random) is rendered: the judge on that render is its own " +
                      "accuracy; the judge on the render encoded and decoded by the dVAE is the ceiling a perfect transformer could reach through these codes. " +
                      $"Best-of-{options.Candidates}: at least one candidate fully matches (what a perfect reranker would pick).");
        md.AppendLine();
        md.AppendLine("| list | captions | judge on true renders | ceiling (dVAE round trip) | best-of-N | reranked top-1 | random candidate |");
        md.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var split in new[] { Split.Train, Split.HeldOut })
        {
            int n = result.Outcomes.Count(o => o.Split == split);
            md.AppendLine(Inv($"| {SplitName(split)} | {n} | {result.OutcomePercent(split, o => o.TrueRenderMatch):F1} % | {result.OutcomePercent(split, o => o.RoundTripMatch):F1} % | ") +
                          Inv($"{result.OutcomePercent(split, o => o.BestOfN):F1} % | {result.Tally(split, CandidatePick.RerankedTop1).FullMatchPercent:F1} % | {result.Tally(split, CandidatePick.Random).FullMatchPercent:F1} % |"));
        }
        md.AppendLine();
        md.AppendLine("## Shape kind confusion (reranked top-1)");
        md.AppendLine();
        var kinds = Enum.GetValues<ShapeKind>();
        foreach (var split in new[] { Split.Train, Split.HeldOut })
        {
            md.AppendLine($"{char.ToUpperInvariant(SplitName(split)[0])}{SplitName(split)[1..]} list: rows are the kind the caption names, columns the kind the judge read.");
            md.AppendLine();
            md.Append("| named \\ judged |");
            foreach (var k in kinds) md.Append($" {k.ToString().ToLowerInvariant()} |");
            md.AppendLine(" no shape | accuracy |");
            md.Append("| --- |");
            foreach (var _ in kinds) md.Append(" ---: |");
            md.AppendLine(" ---: | ---: |");
            foreach (var named in kinds)
            {
                var row = result.Outcomes.Where(o => o.Split == split && o.Named.Kind == named).ToList();
                md.Append($"| {named.ToString().ToLowerInvariant()} |");
                foreach (var judged in kinds) md.Append($" {row.Count(o => o.Top1Kind == judged)} |");
                md.Append($" {row.Count(o => o.Top1Kind is null)} |");
                md.AppendLine(row.Count == 0 ? " – |" : Inv($" {100.0 * row.Count(o => o.Top1Kind == named) / row.Count:F1} % |"));
            }
            md.AppendLine();
        }
        md.AppendLine("## Named colours");
        md.AppendLine();
        md.AppendLine("Mean share of pixels within 24/255 (every channel) of the caption's shape colour or background colour, over the captions that name both.");
        md.AppendLine();
        md.AppendLine("| list | captions naming both | reranked top-1 | dVAE round trip of a true scene | true render |");
        md.AppendLine("| --- | ---: | ---: | ---: | ---: |");
        foreach (var split in new[] { Split.Train, Split.HeldOut })
        {
            int n = result.Outcomes.Count(o => o.Split == split && o.Top1ColorShare is not null);
            string F(double? v) => v is { } x ? Inv($"{x:F1} %") : "–";
            md.AppendLine($"| {SplitName(split)} | {n} | {F(result.MeanColorShare(split, o => o.Top1ColorShare))} | {F(result.MeanColorShare(split, o => o.RoundTripColorShare))} | {F(result.MeanColorShare(split, o => o.TrueColorShare))} |");
        }
        md.AppendLine();
    }

    /// <summary>The accuracy table alone (also printed to the console).</summary>
    public static string AccuracyTable(EvaluationResult result)
    {
        var md = new StringBuilder();
        md.Append("| captions | pick |");
        foreach (var a in AttributeTally.Attributes) md.Append($" {a} |");
        md.AppendLine(" full match |");
        md.Append("| --- | --- |");
        foreach (var _ in AttributeTally.Attributes) md.Append(" ---: |");
        md.AppendLine(" ---: |");
        foreach (var split in new[] { Split.Train, Split.HeldOut })
        {
            foreach (var pick in new[] { CandidatePick.RerankedTop1, CandidatePick.Random })
            {
                var tally = result.Tally(split, pick);
                md.Append(Inv($"| {SplitName(split)} ({tally.Captions}) | {PickName(pick)} |"));
                for (int i = 0; i < AttributeTally.Attributes.Length; i++)
                {
                    var (correct, named) = tally.Attribute(i);
                    md.Append(named == 0 ? " – |" : Inv($" {100.0 * correct / named:F1} % ({correct}/{named}) |"));
                }
                md.AppendLine(Inv($" **{tally.FullMatchPercent:F1} %** ({tally.FullMatches}/{tally.Captions}) |"));
            }
        }
        return md.ToString();
    }

    static string Row(string target, string measured, bool met) => $"| {target} | {measured} | {(met ? "✓" : "✗")} |";
    static string SplitName(Split split) => split == Split.Train ? "seen" : "held-out";
    static string PickName(CandidatePick pick) => pick == CandidatePick.RerankedTop1 ? "reranked top-1" : "random candidate";
    static string Inv(FormattableString s) => s.ToString(Ci);
}
