using DalleOrleans.Model.Dvae;
using DalleOrleans.Model.Imaging;
using DalleOrleans.Training.Data;
using DalleOrleans.Training.Previews;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DalleOrleans.Training.Training;

/// <summary>
/// Stage one: the discrete VAE on rendered images, with the paper's annealing (gumbel-softmax temperature
/// down, KL weight up, step size down; see <see cref="Setup.ShippedConfig.DvaeSchedule"/>).
/// </summary>
public sealed class DvaeTrainer : IStageTrainer
{
    // 16, not 8: libtorch 2.10 on one thread picks a slow (and noisily warning) NNPACK path for some convolutions of batches under 16.
    const int PreviewCount = 16;
    readonly DiscreteVae _vae;
    readonly AdamW _optimizer;
    readonly DvaeSchedule _schedule;
    readonly Device _device;
    readonly byte[] _previewRgb;
    readonly bool _decoderOnly;
    readonly DiscreteVae? _anchor;
    readonly double _anchorWeight;

    readonly StageContext _context;

    public DvaeTrainer(StageContext context)
    {
        _context = context;
        _device = context.Device;
        _vae = new DiscreteVae(context.Config.Dvae);
        _vae.to(_device).train();
        _schedule = Setup.ShippedConfig.DvaeSchedule(context.Plan);
        _schedule.Validate();
        _decoderOnly = context.Plan.DecoderOnly;
        if (_decoderOnly) _vae.FreezeEncoder();   // before the optimiser: it takes only parameters that need gradients
        _anchorWeight = context.Plan.AnchorWeight;
        if (context.Plan.StraightThrough && context.Plan.Anchor is { } anchorFolder)
        {
            _anchor = new DiscreteVae(context.Config.Dvae);
            Model.Checkpoints.CheckpointIO.LoadStrict(_anchor, Path.Combine(anchorFolder, "dvae.safetensors"));
            _anchor.to(_device).eval();
            foreach (var p in _anchor.parameters()) p.requires_grad = false;
        }
        // The paper's dVAE optimiser: AdamW with β = (0.9, 0.999).
        _optimizer = Optimizers.AdamW(_vae, context.Plan, beta1: 0.9, beta2: 0.999);
        _previewRgb = PreviewImages.Render(DataSeeds.Held(context.Seed, purpose: 0), PreviewCount).Rgb;
    }

    public nn.Module Module => _vae;
    public OptimizerHelper Optimizer => _optimizer;
    public bool ReadsText => false;

    public IReadOnlyList<KeyValuePair<string, double>> Step(TrainingBatch batch, long step)
    {
        double tau = _schedule.Temperature(step), beta = _schedule.KlWeight(step), lr = _schedule.LearningRate(step);
        LearningRate.Apply(_optimizer, lr);
        var images = ImageTensors.FromRgb(batch.Rgb, batch.Size, batch.ImageSide, _device);   // (B, 3, H, W)

        _optimizer.zero_grad();
        DvaeLoss loss;
        if (_decoderOnly) loss = _vae.HardCodeLoss(images);
        else if (_context.Plan.StraightThrough)
        {
            Tensor? anchorTokens = null;
            if (_anchor is not null)
                using (no_grad()) anchorTokens = _anchor.Encode(images);                       // (B, h, w)
            loss = _vae.StraightThroughLoss(images, anchorTokens, _anchorWeight);
        }
        else loss = _vae.Loss(images, tau, beta, usageWeight: _schedule.CodeUsageWeight);
        loss.Total.backward();
        _optimizer.step();

        double mse = loss.Mse.item<float>();
        return
        [
            new("loss", loss.Total.item<float>()),
            new("recon", loss.Reconstruction.item<float>()),
            new("kl", loss.Kl.item<float>()),
            // In straight-through mode the slot holds the share of cells whose code differs from the anchor's.
            new(_context.Plan.StraightThrough ? "changed" : "usage", loss.Usage.item<float>()),
            new("psnr", -10 * Math.Log10(Math.Max(mse, 1e-10))),
            new("tau", tau),
            new("beta", beta),
            new("lr", lr),
        ];
    }

    /// <summary>Top two rows: the fixed originals; bottom two rows: their reconstructions through the hard (argmax) codes, as served.</summary>
    public string WritePreview(string path, long step)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var originals = ImageTensors.FromRgb(_previewRgb, PreviewCount, Shapes.SceneGeometry.ImageSize, _device);  // (8, 3, H, W)
        var tokens = _vae.Encode(originals);                                                                         // (16, h, w)
        var reconstructed = _vae.Decode(tokens);                                                                     // (16, 3, H, W)
        double mse = (reconstructed - originals).square().mean().item<float>();
        // Codebook collapse (few codes in use) is what caps reconstruction quality in short runs; show it.
        long codesUsed = tokens.flatten().unique().Item1.numel();
        var pngs = Enumerable.Range(0, PreviewCount).Select(i => PngCodec.Encode(originals[i]))
            .Concat(Enumerable.Range(0, PreviewCount).Select(i => PngCodec.Encode(reconstructed[i]))).ToList();
        Checkpointing.AtomicFile.WriteAllBytes(path, PngCodec.Grid(pngs, columns: PreviewCount / 2));
        return $"hard-code reconstruction PSNR {-10 * Math.Log10(Math.Max(mse, 1e-10)):F1} dB, {codesUsed} of {_vae.Config.CodebookSize} codes used";
    }

    public void Dispose()
    {
        _optimizer.Dispose();
        _vae.Dispose();
        _anchor?.Dispose();
    }
}
