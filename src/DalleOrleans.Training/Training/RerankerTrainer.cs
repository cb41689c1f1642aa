using DalleOrleans.Model.Checkpoints;
using DalleOrleans.Model.Dvae;
using DalleOrleans.Model.Imaging;
using DalleOrleans.Model.Reranker;
using DalleOrleans.Training.Checkpointing;
using DalleOrleans.Training.Data;
using DalleOrleans.Training.Evaluation;
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
/// colour swapped as an extra negative, the distinctions the generator gets wrong;
/// <see cref="Setup.StagePlan.FaithfulRoundTrips"/> keeps a round trip only where it still shows its caption
/// (<see cref="FaithfulRoundTrips"/>), the clean pair otherwise.
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
        var (images, negatives, faithful) = Prepare(batch);                                                   // (B, 3, H, W) each
        var text = tensor(batch.Text, new long[] { batch.Size, batch.TextLength }, device: _context.Device);  // (B, L)

        _optimizer.zero_grad();
        var loss = negatives is not null
            ? _reranker.ContrastiveLossWithNegatives(text, images, negatives)
            : _reranker.ContrastiveLoss(text, images);
        loss.backward();
        Optimizers.ClipGradients(_reranker, 1.0);
        _optimizer.step();

        var metrics = new List<KeyValuePair<string, double>> { new("loss", loss.item<float>()), new("lr", lr) };
        // In-batch retrieval accuracy costs a second forward pass, so it is measured now and then.
        if (step % AccuracyEvery == 0) metrics.Add(new("acc", RetrievalAccuracy(text, images)));
        if (faithful is { } share) metrics.Add(new("faithful", share));
        return metrics;
    }

    /// <summary>
    /// The batch's images and hard negatives as tensors: clean renders, or their dVAE round trips when the plan asks
    /// for decoded images. With <see cref="Setup.StagePlan.FaithfulRoundTrips"/> a caption whose round trip the judge
    /// does not read back keeps its clean pair; <c>Faithful</c> is then the share of captions that kept the round trip.
    /// </summary>
    (Tensor Images, Tensor? Negatives, double? Faithful) Prepare(TrainingBatch batch)
    {
        var images = ImageTensors.FromRgb(batch.Rgb, batch.Size, batch.ImageSide, _context.Device);                  // (B, 3, H, W)
        var negatives = batch.NegativeRgb is { } n ? ImageTensors.FromRgb(n, batch.Size, batch.ImageSide, _context.Device) : null;
        if (_dvae is null) return (images, negatives, null);
        using var noGrad = no_grad();
        var decoded = _dvae.Decode(_dvae.Encode(images));                                                            // (B, 3, H, W)
        var decodedNegatives = negatives is null ? null : _dvae.Decode(_dvae.Encode(negatives));
        if (!_context.Plan.FaithfulRoundTrips) return (decoded, decodedNegatives, null);

        bool[] keep = FaithfulRoundTrips.Select(batch.Captions, PsnrMeasurement.ToRgbBytes(decoded),
            decodedNegatives is null ? null : PsnrMeasurement.ToRgbBytes(decodedNegatives), batch.ImageSide);
        var mask = tensor(keep, device: _context.Device).view(-1, 1, 1, 1);                                          // (B, 1, 1, 1)
        return (where(mask, decoded, images),
                decodedNegatives is null ? null : where(mask, decodedNegatives, negatives!),
                keep.Count(k => k) / (double)keep.Length);
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
