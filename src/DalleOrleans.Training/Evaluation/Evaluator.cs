using System.Diagnostics;
using DalleOrleans.Model;
using DalleOrleans.Model.Generation;
using DalleOrleans.Model.Imaging;
using DalleOrleans.Shapes;
using DalleOrleans.Training.Commands;
using DalleOrleans.Training.Data;
using DalleOrleans.Training.Progress;
using static TorchSharp.torch;
using Generator = DalleOrleans.Model.Generation.Generator;

namespace DalleOrleans.Training.Evaluation;

/// <summary>
/// The zero-shot evaluation: for each caption, seen and held-out (the fixed list, then captions drawn from the
/// grammar), draw N candidates, judge the reranked top-1 and (separately) one candidate picked at random,
/// comparing only the attributes the caption names; best-of-N; the ceiling (the judge on a true scene for the
/// caption as rendered and after a dVAE round trip); then the dVAE's reconstruction PSNR on fresh images.
/// </summary>
public static class Evaluator
{
    public static EvaluationResult Run(ModelBundle model, EvalOptions options, ITrainingProgress progress)
    {
        var clock = Stopwatch.StartNew();
        var verdicts = new List<CaptionVerdict>();
        var outcomes = new List<CaptionOutcome>();
        var lists = new[] { Split.Train, Split.HeldOut }
            .Select(split => (split, captions: EvaluationCaptions.ForEvaluation(split, options.Captions, options.Seed).Take(options.Limit ?? int.MaxValue).ToList()))
            .ToList();
        int total = lists.Sum(l => l.captions.Count), done = 0;

        using var renderer = new ShapeRenderer();
        using (var generator = new Generator(model))
        {
            foreach (var (split, captions) in lists)
            {
                for (int i = 0; i < captions.Count; i++)
                {
                    // Seeds differ per caption and list, and the random pick has its own stream, so results reproduce exactly.
                    long seed = (long)options.Seed * 100_000 + (split == Split.Train ? 0 : 50_000) + i;
                    var request = new ImageRequest(captions[i], options.Candidates, options.Candidates, seed, options.Generation.Sampling);
                    var result = generator.Generate(request);
                    var named = CaptionParser.Parse(captions[i]);
                    int randomCandidate = new Random(unchecked((int)(seed * 7_919 + 13))).Next(options.Candidates);
                    var judged = result.Images.Select(image => Judge(split, captions[i], image, named)).ToList();
                    var top = judged[0];
                    verdicts.Add(top with { Pick = CandidatePick.RerankedTop1 });
                    verdicts.Add(judged.Single(v => v.Candidate == randomCandidate) with { Pick = CandidatePick.Random });
                    outcomes.Add(Ceiling(model, renderer, split, captions[i], named, seed, judged.Any(v => v.Agreement.All), top, result.Images[0].Png));
                    done++;
                    progress.Report(new ProgressSnapshot("eval", done, total,
                        [new("top-1 full match %", Percent(verdicts, CandidatePick.RerankedTop1)), new("random full match %", Percent(verdicts, CandidatePick.Random))],
                        done * options.Candidates / Math.Max(clock.Elapsed.TotalSeconds, 1e-6), clock.Elapsed,
                        TimeSpan.FromSeconds(clock.Elapsed.TotalSeconds / done * (total - done))));
                }
            }
        }

        var psnr = new[] { Split.Train, Split.HeldOut }
            .Select(split => PsnrMeasurement.Measure(model.Dvae, model.Device, split, options.PsnrImages, DataSeeds.Held(options.Seed, purpose: 10 + (int)split)))
            .ToList();
        progress.Message($"dVAE PSNR: {string.Join(", ", psnr.Select(p => $"{p.Split} {p.MeanDb:F1} dB"))}");
        return new EvaluationResult(model.ModelId, verdicts, psnr, clock.Elapsed) { Outcomes = outcomes };
    }

    /// <summary>A true scene for the caption, judged as rendered and after the dVAE's round trip, plus the colour shares.</summary>
    static CaptionOutcome Ceiling(ModelBundle model, ShapeRenderer renderer, Split split, string caption, CaptionAttributes named, long seed,
        bool bestOfN, CaptionVerdict top, byte[] topPng)
    {
        var scene = SceneSampler.Draw(new Random(unchecked((int)(seed * 31 + 7))), split, named);
        byte[] trueRgb = renderer.Render(scene);
        byte[] roundTripRgb;
        using (NewDisposeScope())
        using (no_grad())
        {
            var image = ImageTensors.FromRgb(trueRgb, 1, SceneGeometry.ImageSize, model.Device);   // (1, 3, H, W)
            roundTripRgb = PsnrMeasurement.ToRgbBytes(model.Dvae.Decode(model.Dvae.Encode(image)));
        }
        bool trueMatch = AttributeJudge.Matches(AttributeJudge.Judge(trueRgb), named);
        bool roundTripMatch = AttributeJudge.Matches(AttributeJudge.Judge(roundTripRgb), named);
        double? Share(byte[] rgb) => named.Color is { } c && named.Background is { } b ? ColorFidelity.ShareNear(rgb, c.ToRgb(), b.ToRgb()) : null;
        return new CaptionOutcome(split, caption, named, trueMatch, roundTripMatch, bestOfN, top.Judged.Kind,
            Share(PngCodec.DecodeRgb(topPng).Rgb), Share(roundTripRgb), Share(trueRgb));
    }

    static CaptionVerdict Judge(Split split, string caption, RankedImage image, CaptionAttributes named)
    {
        var (rgb, width, height) = PngCodec.DecodeRgb(image.Png);
        var judged = AttributeJudge.Judge(rgb, width, height);
        return new CaptionVerdict(split, caption, CandidatePick.RerankedTop1, image.Candidate, named, judged, AttributeJudge.Compare(judged, named));
    }

    static double Percent(List<CaptionVerdict> verdicts, CandidatePick pick)
    {
        var picked = verdicts.Where(v => v.Pick == pick).ToList();
        return picked.Count == 0 ? 0 : 100.0 * picked.Count(v => v.Agreement.All) / picked.Count;
    }
}
