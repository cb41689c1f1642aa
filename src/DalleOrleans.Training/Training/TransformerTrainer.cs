using DalleOrleans.Model;
using DalleOrleans.Model.Checkpoints;
using DalleOrleans.Model.Generation;
using Generator = DalleOrleans.Model.Generation.Generator;
using DalleOrleans.Model.Imaging;
using DalleOrleans.Training.Checkpointing;
using DalleOrleans.Training.Data;
using DalleOrleans.Training.Previews;
using DalleOrleans.Training.Setup;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DalleOrleans.Training.Training;

/// <summary>
/// Stage two: the transformer on (caption, image tokens) pairs. Images become tokens through the trained,
/// frozen dVAE; about a tenth of the captions are the empty caption, which gives classifier-free guidance its
/// unconditional model. Loss: the paper's 1/8 text + 7/8 image cross-entropy.
/// </summary>
/// <remarks>
/// The trainer holds a whole <see cref="ModelBundle"/> and trains its transformer in place, so previews run the
/// real in-process <see cref="Generator"/> on the weights being trained. The bundle's reranker is the trained
/// one when that stage has finished already, otherwise random (preview order is then arbitrary).
/// </remarks>
public sealed class TransformerTrainer : IStageTrainer
{
    const int PreviewCandidates = 4;
    readonly ModelBundle _bundle;
    readonly AdamW _optimizer;
    readonly StageContext _context;

    public TransformerTrainer(StageContext context, TextWriter log)
    {
        _context = context;
        var run = context.Run;
        if (!File.Exists(run.WeightsPath(StageKind.Dvae)))
            throw new InvalidOperationException($"the transformer trains on dVAE tokens, but {run.WeightsPath(StageKind.Dvae)} does not exist; run `dalle-train dvae` first.");
        if (File.Exists(run.StatePath(StageKind.Dvae)) && !StageState.Read(run.StatePath(StageKind.Dvae)).IsComplete)
            log.WriteLine("warning: the dVAE stage has not finished; the transformer will learn the tokens of an unfinished dVAE.");

        _bundle = ModelBundle.CreateRandom(context.Config, context.Tokenizer, context.Device, context.Seed);
        CheckpointIO.LoadStrict(_bundle.Dvae, run.WeightsPath(StageKind.Dvae));
        foreach (var p in _bundle.Dvae.parameters()) p.requires_grad = false;   // frozen: only read through Encode
        if (File.Exists(run.StatePath(StageKind.Reranker)) && File.Exists(run.WeightsPath(StageKind.Reranker)))
            CheckpointIO.LoadStrict(_bundle.Reranker, run.WeightsPath(StageKind.Reranker));
        _bundle.Transformer.train();
        _optimizer = Optimizers.AdamW(_bundle.Transformer, context.Plan);
    }

    public nn.Module Module => _bundle.Transformer;
    public OptimizerHelper Optimizer => _optimizer;
    public bool ReadsText => true;

    public IReadOnlyList<KeyValuePair<string, double>> Step(TrainingBatch batch, long step)
    {
        double lr = LearningRate.WarmupCosine(_context.Plan, step);
        LearningRate.Apply(_optimizer, lr);
        var device = _context.Device;
        Tensor imageTokens;
        using (no_grad())
        {
            var images = ImageTensors.FromRgb(batch.Rgb, batch.Size, batch.ImageSide, device);   // (B, 3, H, W)
            imageTokens = _bundle.Dvae.Encode(images).view(batch.Size, -1);                      // (B, N)
        }
        var text = tensor(batch.Text, new long[] { batch.Size, batch.TextLength }, device: device);   // (B, L)

        _optimizer.zero_grad();
        var (total, textLoss, imageLoss) = _bundle.Transformer.Loss(text, imageTokens);
        total.backward();
        double norm = Optimizers.ClipGradients(_bundle.Transformer, 1.0);
        _optimizer.step();
        return
        [
            new("loss", total.item<float>()),
            new("text", textLoss.item<float>()),
            new("image", imageLoss.item<float>()),
            new("gnorm", norm),
            new("lr", lr),
        ];
    }

    /// <summary>One row per preview caption: <see cref="PreviewCandidates"/> generations, best-ranked first.</summary>
    public string WritePreview(string path, long step)
    {
        _bundle.Transformer.eval();
        try
        {
            using var generator = new Generator(_bundle, maxBatchRows: 16);
            var pngs = new List<byte[]>();
            foreach (var (caption, i) in PreviewImages.Captions.Select((c, i) => (c, i)))
            {
                var request = new ImageRequest(caption, PreviewCandidates, PreviewCandidates, Seed: i, ShippedConfig.Sampling);
                pngs.AddRange(generator.Generate(request).Images.Select(image => image.Png));
            }
            AtomicFile.WriteAllBytes(path, PngCodec.Grid(pngs, columns: PreviewCandidates));
            return $"rows: {string.Join(" | ", PreviewImages.Captions)}";
        }
        finally
        {
            _bundle.Transformer.train();
        }
    }

    public void Dispose()
    {
        _optimizer.Dispose();
        _bundle.Dispose();
    }
}
