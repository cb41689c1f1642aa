using System.Globalization;
using System.Text;
using DalleOrleans.Shapes;
using DalleOrleans.Training.Commands;
using DalleOrleans.Training.Progress;

namespace DalleOrleans.Training.Evaluation;

/// <summary>EVALUATION.md: accuracy tables (seen / held-out × reranked / random), the targets, PSNR, and every verdict.</summary>
public static class EvaluationReport
{
    public const double SeenTarget = 95, HeldOutTarget = 80, GainTarget = 10, PsnrTarget = 30;

    static readonly CultureInfo Ci = CultureInfo.InvariantCulture;

    public static string Markdown(EvaluationResult result, EvalOptions options)
    {
        var md = new StringBuilder();
        var s = options.Generation.Sampling;
        md.AppendLine($"# Evaluation of {result.ModelId}");
        md.AppendLine();
        string limit = options.Limit is { } l ? $" --limit {l}" : "";
        md.AppendLine(Inv($"`dalle-train eval --model {options.Generation.Model} --candidates {options.Candidates} --seed {options.Seed}{limit}` ") +
                      Inv($"on {DateTime.UtcNow:yyyy-MM-dd} ({Environment.ProcessorCount} cores), {ProgressSnapshot.Duration(result.Elapsed)}. ") +
                      Inv($"Sampling: temperature {s.Temperature}, top-k {s.TopK}, top-p {s.TopP}, guidance {s.GuidanceScale}."));
        md.AppendLine();
        md.AppendLine($"Each caption of `EvaluationCaptions.Seen` (colour–shape pairs seen in training) and `EvaluationCaptions.HeldOut` " +
                      $"(pairs never in any training image or caption) gets {options.Candidates} candidates. The `AttributeJudge` reads the reranked " +
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
        md.AppendLine();
        md.AppendLine("## dVAE reconstruction");
        md.AppendLine();
        md.AppendLine("Fresh rendered images through the hard (argmax) codes, as served.");
        md.AppendLine();
        md.AppendLine("| split | images | mean PSNR | worst image | PSNR of pooled MSE | codes used |");
        md.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: |");
        foreach (var p in result.Psnr)
            md.AppendLine(Inv($"| {SplitName(p.Split)} | {p.Images} | {p.MeanDb:F2} dB | {p.MinDb:F2} dB | {p.PooledDb:F2} dB | {p.CodesUsed} |"));
        md.AppendLine();
        md.AppendLine("## Every verdict");
        md.AppendLine();
        md.AppendLine("| list | caption | pick | candidate | judged | full match |");
        md.AppendLine("| --- | --- | --- | ---: | --- | :---: |");
        foreach (var v in result.Verdicts)
            md.AppendLine($"| {SplitName(v.Split)} | {v.Caption} | {PickName(v.Pick)} | {v.Candidate} | {v.Judged.Attributes} | {(v.Agreement.All ? "✓" : "✗")} |");
        return md.ToString();
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
