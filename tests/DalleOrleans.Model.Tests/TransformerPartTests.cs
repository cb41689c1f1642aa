using DalleOrleans.Model.Checkpoints;
using DalleOrleans.Model.Transformer;
using TorchSharp;
using static TorchSharp.torch;

namespace DalleOrleans.Model.Tests;

/// <summary>
/// A shard's part of the transformer: loaded from a whole model's checkpoint, it holds only its layers (the first part
/// also the embeddings, the last the final norm and heads), and parts chained in order compute what the whole model does.
/// </summary>
public sealed class TransformerPartTests : IDisposable
{
    // Four layers, so that a middle part (layers 1..2) holds neither end.
    static readonly TransformerConfig Config = new()
    {
        TextVocabSize = 20, TextLength = 5, ImageVocabSize = 16, GridSize = 4, ModelDim = 32, Heads = 4,
        Layers = 4, Attention = TransformerConfig.DefaultPattern(4), ConvKernel = 3,
    };

    readonly string _folder = Path.Combine(Path.GetTempPath(), $"dalle-part-{Guid.NewGuid():N}");
    string Checkpoint => Path.Combine(_folder, "transformer.safetensors");

    public TransformerPartTests()
    {
        TorchRuntime.Initialize();
        Directory.CreateDirectory(_folder);
        manual_seed(7);
        using var whole = new DalleTransformer(Config);
        CheckpointIO.Save(whole, Checkpoint);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    DalleTransformer LoadWhole()
    {
        var whole = new DalleTransformer(Config);
        CheckpointIO.LoadStrict(whole, Checkpoint);
        return whole;
    }

    [Fact]
    public void EachPartHoldsOnlyItsLayersAndTheEndsItNeeds()
    {
        using var first = DalleTransformer.LoadPart(Config, new LayerRange(0, 1), Checkpoint);
        using var middle = DalleTransformer.LoadPart(Config, new LayerRange(1, 2), Checkpoint);
        using var last = DalleTransformer.LoadPart(Config, new LayerRange(3, 1), Checkpoint);
        // The names in the checkpoint each part holds, read from the file's own header (not from the part's code).
        var fileNames = SafeTensors.ReadHeader(Checkpoint).Entries.Select(e => e.Name).ToList();
        string[] Names(DalleTransformer part) => part.state_dict().Keys.Select(part.CheckpointName).OrderBy(n => n, StringComparer.Ordinal).ToArray();
        string[] Expected(Func<string, bool> keep) => fileNames.Where(keep).OrderBy(n => n, StringComparer.Ordinal).ToArray();

        Assert.Equal(Expected(n => n.StartsWith("blocks.0.") || n.Contains("Embedding") || n.StartsWith("textPosition") || n.StartsWith("imageRow") || n.StartsWith("imageColumn")), Names(first));
        Assert.Equal(Expected(n => n.StartsWith("blocks.1.") || n.StartsWith("blocks.2.")), Names(middle));
        Assert.Equal(Expected(n => n.StartsWith("blocks.3.") || n.StartsWith("lnFinal") || n.StartsWith("textHead") || n.StartsWith("imageHead")), Names(last));
        // Together they are the whole model, each name once.
        Assert.Equal(fileNames.OrderBy(n => n, StringComparer.Ordinal), Names(first).Concat(Names(middle)).Concat(Names(last)).OrderBy(n => n, StringComparer.Ordinal));
        Assert.False(middle.HoldsEveryLayer);
    }

    [Fact]
    public void ChainedPartsGiveTheWholeModelsLogits()
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        using var whole = LoadWhole();
        var parts = new[] { new LayerRange(0, 1), new LayerRange(1, 2), new LayerRange(3, 1) }
            .Select(r => DalleTransformer.LoadPart(Config, r, Checkpoint)).ToArray();
        try
        {
            whole.eval();
            foreach (var p in parts) p.eval();
            int B = 2;
            manual_seed(3);
            var text = randint(2, Config.TextVocabSize, new long[] { B, Config.TextLength }, dtype: int64);
            var image = randint(0, Config.ImageVocabSize, new long[] { B, 6 }, dtype: int64);
            var slots = arange(B, dtype: int64);
            using var wholeCache = new KvCache(Config, B, CPU);
            var caches = parts.Select(p => new KvCache(Config, B, CPU, firstLayer: p.Held.First, layerCount: p.Held.Count)).ToArray();

            var expected = whole.Prefill(text, wholeCache, slots);
            var h = text;
            for (int i = 0; i < parts.Length; i++) h = parts[i].Prefill(h, parts[i].Held.First, parts[i].Held.End, caches[i], slots);
            double worst = (h - expected).abs().max().item<float>();
            for (int k = 0; k < 6; k++)
            {
                var positions = new StepPositions(Config, Enumerable.Repeat(Config.ImagePosition(k), B).ToArray(), CPU);
                expected = whole.DecodeStep(image[.., k], positions, wholeCache);
                h = image[.., k];
                for (int i = 0; i < parts.Length; i++) h = parts[i].DecodeStep(h, positions, caches[i], parts[i].Held.First, parts[i].Held.End);
                worst = Math.Max(worst, (h - expected).abs().max().item<float>());
            }
            Assert.Equal(new long[] { B, Config.ImageVocabSize }, h.shape);
            Assert.True(worst <= 1e-5, $"max |parts − whole| = {worst}");
            foreach (var c in caches) c.Dispose();
        }
        finally { foreach (var p in parts) p.Dispose(); }
    }

    [Fact]
    public void APartRefusesLayersItDoesNotHold()
    {
        using var scope = NewDisposeScope();
        using var middle = DalleTransformer.LoadPart(Config, new LayerRange(1, 2), Checkpoint);
        using var cache = new KvCache(Config, 1, CPU);
        var text = ones(1, Config.TextLength, dtype: int64);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => middle.Prefill(text, 0, 4, cache, zeros(1, dtype: int64)));
        Assert.Contains("this part holds layers 1..2", error.Message);
        Assert.Throws<InvalidOperationException>(() => middle.Forward(text, zeros(1, Config.ImageTokens, dtype: int64)));
    }

    [Fact]
    public void ACheckpointWithoutThePartsLayerIsRefusedByName()
    {
        // A whole model's file with layer 3 left out: the last part cannot load, the first still can.
        string partial = Path.Combine(_folder, "no-layer-3.safetensors");
        using (var file = SafeTensors.Read(Checkpoint))
            SafeTensors.Write(partial, file.Tensors.Where(kv => !kv.Key.StartsWith("blocks.3.")).ToDictionary(kv => kv.Key, kv => kv.Value));
        var error = Assert.Throws<CheckpointException>(() => DalleTransformer.LoadPart(Config, new LayerRange(2, 2), partial));
        Assert.Contains("blocks.3.", error.Message);
        Assert.Contains("no-layer-3.safetensors", error.Message);
        Assert.DoesNotContain("blocks.2.", error.Message);
        using var first = DalleTransformer.LoadPart(Config, new LayerRange(0, 2), partial);
        Assert.Equal(new LayerRange(0, 2), first.Held);
    }

    [Fact]
    public void ReadingAFilePartlyLoadsOnlyTheNamedTensors()
    {
        using var file = SafeTensors.Read(Checkpoint, name => name.StartsWith("blocks.2."));
        Assert.NotEmpty(file.Tensors);
        Assert.All(file.Tensors.Keys, n => Assert.StartsWith("blocks.2.", n));
        Assert.Equal(SafeTensors.ReadHeader(Checkpoint).Entries.Count(e => e.Name.StartsWith("blocks.2.")), file.Tensors.Count);
    }
}
