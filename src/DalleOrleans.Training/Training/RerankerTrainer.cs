using DalleOrleans.Model.Checkpoints;
using DalleOrleans.Model.Dvae;
using DalleOrleans.Model.Imaging;
using DalleOrleans.Model.Reranker;
using DalleOrleans.Training.Checkpointing;
using DalleOrleans.Training.Data;
using DalleOrleans.Training.Previews;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DalleOrleans.Training.Training;

/// <summary>
/// Stage three: the contrastive reranker on (caption, rendered image) batches with the symmetric InfoNCE
/// loss. By default it never needs the other two models, but runs last as in the paper's pipeline.
/// </summary>
/// <remarks>
/// Two plan switches bring its training closer to what it ranks when serving (issue #16: at guidance 2 a random
/// candidate beat its top-1): <see cref="Setup.StagePlan.DecodedImages"/> passes every image through the run's
/// frozen dVAE (encode to hard codes, decode), so it learns on the decoder's rendering rather than clean
/// renders; <see cref="Setup.StagePlan.HardNegatives"/> adds, per caption, its own scene with the kind or a named
/// colour swapped as an extra negative, the distinctions the generator gets wrong.
/// </remarks>
public sealed class RerankerTrainer : IStageTrainer
{
    const int PreviewPool = 32, PreviewTop = 4, AccuracyEvery = 10;
    readonly ContrastiveReranker _reranker;
    readonly AdamW _optimizer;
    readonly StageContext _context;
    readonly byte[] _poolRgb;
    readonly DiscreteVae? _dvae;

    public RerankerTrainer(StageContext context)
    {
        _context = context;
        if (context.Plan.DecodedImages)
        {
            string path = context.Run.WeightsPath(Setup.StageKind.Dvae);
            if (!File.Exists(path))
                throw new InvalidOperationException($"--decoded-images trains on dVAE round trips, but {path} does not exist; run `dalle-train dvae` first.");
            _dvae = new DiscreteVae(context.Config.Dvae);
            CheckpointIO.LoadStrict(_dvae, path);
            _dvae.to(context.Device).eval();
            foreach (var p in _dvae.parameters()) p.requires_grad = false;
        }
        _reranker = new ContrastiveReranker(context.Config.Reranker);
        _reranker.to(context.Device).train();
        _optimizer = Optimizers.AdamW(_reranker, context.Plan);
        _poolRgb = PreviewImages.Render(DataSeeds.Held(context.Seed, purpose: 1), PreviewPool).Rgb;
    }

    public nn.Module Module => _reranker;
    public OptimizerHelper Optimizer => _optimizer;
    public bool ReadsText => true;

    public IReadOnlyList<KeyValuePair<string, double>> Step(TrainingBatch batch, long step)
    {
        double lr = LearningRate.WarmupCosine(_context.Plan, step);
        LearningRate.Apply(_optimizer, lr);
        var images = Prepare(batch.Rgb, batch);                                                               // (B, 3, H, W)
        var text = tensor(batch.Text, new long[] { batch.Size, batch.TextLength }, device: _context.Device);  // (B, L)

        _optimizer.zero_grad();
        var loss = batch.NegativeRgb is { } negativeRgb
            ? _reranker.ContrastiveLossWithNegatives(text, images, Prepare(negativeRgb, batch))
            : _reranker.ContrastiveLoss(text, images);
        loss.backward();
        Optimizers.ClipGradients(_reranker, 1.0);
        _optimizer.step();

        var metrics = new List<KeyValuePair<string, double>> { new("loss", loss.item<float>()), new("lr", lr) };
        // In-batch retrieval accuracy costs a second forward pass, so it is measured now and then.
        if (step % AccuracyEvery == 0) metrics.Add(new("acc", RetrievalAccuracy(text, images)));
        return metrics;
    }

    /// <summary>The batch's images as a tensor, through the dVAE's hard codes when the plan asks for decoded images.</summary>
    Tensor Prepare(byte[] rgb, TrainingBatch batch)
    {
        var images = ImageTensors.FromRgb(rgb, batch.Size, batch.ImageSide, _context.Device);   // (B, 3, H, W)
        if (_dvae is null) return images;
        using var noGrad = no_grad();
        return _dvae.Decode(_dvae.Encode(images));                                              // (B, 3, H, W)
    }

    /// <summary>Share of captions whose best-scoring image in the batch carries the same caption tokens.</summary>
    double RetrievalAccuracy(Tensor text, Tensor images)
    {
        using var noGrad = no_grad();
        var best = _reranker.forward(text, images).argmax(1);                 // (B) image index per caption
        var same = text.index_select(0, best).eq(text).all(1);                // (B) picked image's caption equals the query
        return same.to_type(ScalarType.Float32).mean().item<float>();
    }

    /// <summary>One row per preview caption: the <see cref="PreviewTop"/> best of a fixed pool of rendered images.</summary>
    public string WritePreview(string path, long step)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var pool = ImageTensors.FromRgb(_poolRgb, PreviewPool, Shapes.SceneGeometry.ImageSize, _context.Device);   // (P, 3, H, W)
        var pngs = new List<byte[]>();
        foreach (var caption in PreviewImages.Captions)
        {
            var text = tensor(_context.Tokenizer.EncodePadded(caption), device: _context.Device).view(1, -1);   // (1, L)
            float[] scores = _reranker.Score(text, pool).cpu().data<float>().ToArray();
            foreach (int i in Enumerable.Range(0, PreviewPool).OrderByDescending(i => scores[i]).Take(PreviewTop))
                pngs.Add(PngCodec.Encode(pool[i]));
        }
        AtomicFile.WriteAllBytes(path, PngCodec.Grid(pngs, columns: PreviewTop));
        return $"rows: best {PreviewTop} of {PreviewPool} fixed images for {string.Join(" | ", PreviewImages.Captions)}";
    }

    public void Dispose()
    {
        _optimizer.Dispose();
        _reranker.Dispose();
        _dvae?.Dispose();
    }
}
