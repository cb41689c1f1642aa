using System.Diagnostics;
using static TorchSharp.torch;

namespace DalleOrleans.Model.Generation;

/// <summary>One request's finished token grids, waiting to be decoded and reranked.</summary>
public sealed record FinishJob(ImageRequest Request, int[][] ImageTokens);

/// <summary>A kept image before PNG encoding: row-major RGB bytes (PNG encoding is left to the caller's thread pool).</summary>
public sealed record KeptImage(int Rank, int Candidate, float Score, byte[] Rgb, int Width, int Height);

/// <summary>A job's kept images, best first, and the milliseconds of the batched call it was part of.</summary>
public sealed record FinishedJob(IReadOnlyList<KeptImage> Images, double DecodeMs, double RerankMs);

/// <summary>
/// The stages after the tokens for many requests at once: every request's grids go through the dVAE together (in
/// calls of <see cref="Generator.ImageChunk"/> images), every caption through the reranker's text encoder in one
/// call and every image through its image encoder in chunks; each request then keeps its own top K. Why: one batched
/// call costs far less per image than one call per request (BENCHMARKS.md table 4). Scores are the same cosine
/// similarities as <see cref="Generator.ScoreImages"/>.
/// </summary>
public static class BatchedFinish
{
    public static IReadOnlyList<FinishedJob> Run(ModelBundle model, IReadOnlyList<FinishJob> jobs)
    {
        if (jobs.Count == 0) return Array.Empty<FinishedJob>();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var clock = Stopwatch.StartNew();
        var images = Generator.DecodeImages(model, jobs.SelectMany(j => j.ImageTokens).ToArray());   // (ΣN, 3, H, W)
        double decodeMs = clock.Elapsed.TotalMilliseconds;

        clock.Restart();
        var texts = stack(jobs.Select(j => tensor(model.Tokenizer.EncodePadded(j.Request.Prompt), device: model.Device)).ToArray());   // (J, L)
        var textEmbeddings = model.Reranker.EncodeText(texts);                                                      // (J, E)
        var imageEmbeddings = cat(images.split(Generator.ImageChunk).Select(model.Reranker.EncodeImage).ToArray(), 0);   // (ΣN, E)
        var scores = new float[jobs.Count][];
        long first = 0;
        for (int j = 0; j < jobs.Count; j++)
        {
            long n = jobs[j].ImageTokens.Length;
            scores[j] = imageEmbeddings.narrow(0, first, n).matmul(textEmbeddings[j]).cpu().data<float>().ToArray();   // (n)
            first += n;
        }
        double rerankMs = clock.Elapsed.TotalMilliseconds;

        var pixels = (images.detach().cpu().to_type(ScalarType.Float32).clamp(0, 1) * 255f).round()
            .to_type(ScalarType.Byte).permute(0, 2, 3, 1).contiguous();                                            // (ΣN, H, W, 3)
        int height = (int)pixels.shape[1], width = (int)pixels.shape[2];
        var results = new FinishedJob[jobs.Count];
        first = 0;
        for (int j = 0; j < jobs.Count; j++)
        {
            var s = scores[j];
            var kept = Enumerable.Range(0, s.Length).OrderByDescending(i => s[i]).ThenBy(i => i).Take(jobs[j].Request.Top)
                .Select((candidate, rank) => new KeptImage(rank + 1, candidate, s[candidate],
                    pixels[first + candidate].data<byte>().ToArray(), width, height))
                .ToList();
            results[j] = new FinishedJob(kept, decodeMs, rerankMs);
            first += s.Length;
        }
        return results;
    }
}
