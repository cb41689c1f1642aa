using System.Diagnostics;
using DalleOrleans.Model;
using DalleOrleans.Model.Generation;
using DalleOrleans.Model.Imaging;
using DalleOrleans.Shapes;
using DalleOrleans.Training.Commands;
using DalleOrleans.Training.Data;
using DalleOrleans.Training.Progress;
using Generator = DalleOrleans.Model.Generation.Generator;

namespace DalleOrleans.Training.Evaluation;

/// <summary>
/// The zero-shot evaluation: for each fixed caption, seen and held-out, draw N candidates, judge the reranked
/// top-1 and (separately) one candidate picked at random, comparing only the attributes the caption names;
/// then the dVAE's reconstruction PSNR on fresh images of both splits.
/// </summary>
public static class Evaluator
{
    public static EvaluationResult Run(ModelBundle model, EvalOptions options, ITrainingProgress progress)
    {
        var clock = Stopwatch.StartNew();
        var verdicts = new List<CaptionVerdict>();
        var lists = new[] { Split.Train, Split.HeldOut }
            .Select(split => (split, captions: EvaluationCaptions.For(split).Take(options.Limit ?? int.MaxValue).ToList()))
            .ToList();
        int total = lists.Sum(l => l.captions.Count), done = 0;

        using (var generator = new Generator(model))
        {
            foreach (var (split, captions) in lists)
            {
                for (int i = 0; i < captions.Count; i++)
                {
                    // Seeds differ per caption and list, and the random pick has its own stream, so results reproduce exactly.
                    long seed = (long)options.Seed * 1_000 + (split == Split.Train ? 0 : 500) + i;
                    var request = new ImageRequest(captions[i], options.Candidates, options.Candidates, seed, options.Generation.Sampling);
                    var result = generator.Generate(request);
                    var named = CaptionParser.Parse(captions[i]);
                    int randomCandidate = new Random(unchecked((int)(seed * 7_919 + 13))).Next(options.Candidates);
                    verdicts.Add(Judge(split, captions[i], CandidatePick.RerankedTop1, result.Images[0], named));
                    verdicts.Add(Judge(split, captions[i], CandidatePick.Random, result.Images.Single(im => im.Candidate == randomCandidate), named));
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
        return new EvaluationResult(model.ModelId, verdicts, psnr, clock.Elapsed);
    }

    static CaptionVerdict Judge(Split split, string caption, CandidatePick pick, RankedImage image, CaptionAttributes named)
    {
        var (rgb, width, height) = PngCodec.DecodeRgb(image.Png);
        var judged = AttributeJudge.Judge(rgb, width, height);
        return new CaptionVerdict(split, caption, pick, image.Candidate, named, judged, AttributeJudge.Compare(judged, named));
    }

    static double Percent(List<CaptionVerdict> verdicts, CandidatePick pick)
    {
        var picked = verdicts.Where(v => v.Pick == pick).ToList();
        return picked.Count == 0 ? 0 : 100.0 * picked.Count(v => v.Agreement.All) / picked.Count;
    }
}
