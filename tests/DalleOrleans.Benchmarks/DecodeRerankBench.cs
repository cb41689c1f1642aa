using DalleOrleans.Model;
using DalleOrleans.Model.Generation;
using DalleOrleans.Model.Imaging;
using static TorchSharp.torch;
using Generator = DalleOrleans.Model.Generation.Generator;

namespace DalleOrleans.Benchmarks;

/// <summary>
/// Issue #8 item 7: dVAE decode, rerank and PNG encode throughput at batch 1 and 32, and each stage's share of
/// one 8-candidate request (the stage times <see cref="Generator.Finish(ModelBundle, ImageRequest, int[][], double)"/> records).
/// </summary>
public static class DecodeRerankBench
{
    const string Prompt = "a large red circle on a white background";

    public static void Run(ModelBundle model, Report report)
    {
        report.Heading("dVAE decode, rerank and PNG encode throughput; stage shares of one request");
        var rows = new List<string[]>();
        var text = tensor(model.Tokenizer.EncodePadded(Prompt)).view(1, -1).DetachFromDisposeScope();
        int g = model.Config.Dvae.GridSize, K = model.Config.Dvae.CodebookSize;
        foreach (int batch in new[] { 1, 32 })
        {
            using var scope = NewDisposeScope();
            var grids = randint(0, K, new long[] { batch, g, g }, generator: new TorchSharp.torch.Generator(7));
            Tensor images;
            using (no_grad()) images = model.Dvae.Decode(grids);                               // (B, 3, H, W)
            int reps = batch == 1 ? 41 : 11;
            double decode = Timing.MedianMs(() => model.Dvae.Decode(grids), warmup: 3, reps: reps);
            double rerank = Timing.MedianMs(() => model.Reranker.Score(text, images).cpu(), warmup: 3, reps: reps);
            double encode = Timing.MedianMs(() => { for (int i = 0; i < batch; i++) PngCodec.Encode(images[i]); }, warmup: 3, reps: reps);
            foreach (var (stage, ms) in new[] { ("dVAE decode, one call", decode), ("rerank (score vs one caption), one call", rerank), ("PNG encode", encode) })
                rows.Add(new[] { stage, batch.ToString(), Report.F(ms, 2), Report.F(batch / (ms / 1000), 1) });
            if (batch > Generator.ImageChunk)
            {
                // What the generator does: calls of at most ImageChunk images (see Generator.ImageChunk for why).
                double chunked = Timing.MedianMs(() => cat(grids.split(Generator.ImageChunk).Select(model.Dvae.Decode).ToArray(), 0),
                    warmup: 3, reps: reps);
                double scored = Timing.MedianMs(() => Generator.ScoreImages(model, text, images), warmup: 3, reps: reps);
                rows.Add(new[] { $"dVAE decode, in calls of {Generator.ImageChunk} (Generator.DecodeImages)", batch.ToString(),
                    Report.F(chunked, 2), Report.F(batch / (chunked / 1000), 1) });
                rows.Add(new[] { $"rerank, in calls of {Generator.ImageChunk} (Generator.ScoreImages)", batch.ToString(),
                    Report.F(scored, 2), Report.F(batch / (scored / 1000), 1) });
            }
        }
        text.Dispose();
        report.Table(new[] { "stage", "batch", "median ms", "images/s" }, rows);

        // One request as the in-process generator runs it: 8 candidates, keep 4.
        using var generator = new Generator(model, maxBatchRows: 32);
        var timings = new List<StageTimings>();
        for (int rep = 0; rep < 6; rep++)
        {
            var result = generator.Generate(new ImageRequest(Prompt, Candidates: 8, Top: 4, Seed: rep + 1));
            if (rep > 0) timings.Add(result.Timings);                                          // the first warms up
        }
        double tokens = Timing.Median(timings.Select(t => t.TokensMs).ToList()), decodeMs = Timing.Median(timings.Select(t => t.DecodeMs).ToList());
        double rerankMs = Timing.Median(timings.Select(t => t.RerankMs).ToList()), encodeMs = Timing.Median(timings.Select(t => t.EncodeMs).ToList());
        double total = tokens + decodeMs + rerankMs + encodeMs;
        report.Note($"One request (\"{Prompt}\", 8 candidates, top 4 encoded as PNG; median of {timings.Count} requests, seeds 2..{timings.Count + 1}, after one warm-up):");
        report.Table(new[] { "stage", "median ms", "share of request" }, new[]
        {
            new[] { "tokens (prefill + 64 decode steps, sampling)", Report.F(tokens, 1), Report.Pct(tokens / total) },
            new[] { "dVAE decode (8 images)", Report.F(decodeMs, 1), Report.Pct(decodeMs / total) },
            new[] { "rerank (8 images)", Report.F(rerankMs, 1), Report.Pct(rerankMs / total) },
            new[] { "PNG encode (4 images)", Report.F(encodeMs, 1), Report.Pct(encodeMs / total) },
            new[] { "**total**", Report.F(total, 1), "100 %" },
        });
        report.EndSection();
    }
}
