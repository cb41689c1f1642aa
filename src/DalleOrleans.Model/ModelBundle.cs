using DalleOrleans.Model.Checkpoints;
using DalleOrleans.Model.Dvae;
using DalleOrleans.Model.Reranker;
using DalleOrleans.Model.Text;
using DalleOrleans.Model.Transformer;
using TorchSharp;
using static TorchSharp.torch;

namespace DalleOrleans.Model;

/// <summary>
/// Everything one model needs to serve, loaded from one folder:
/// config.json, vocab.json, dvae.safetensors, transformer.safetensors, reranker.safetensors.
/// </summary>
public sealed class ModelBundle : IDisposable
{
    public const string ConfigFile = "config.json", VocabFile = "vocab.json",
        DvaeFile = "dvae.safetensors", TransformerFile = "transformer.safetensors", RerankerFile = "reranker.safetensors";

    public ModelConfig Config { get; }
    public TextTokenizer Tokenizer { get; }
    public DiscreteVae Dvae { get; }
    /// <summary>The whole transformer; absent (see <see cref="HoldsTransformer"/>) on a device that holds only shards' layer ranges.</summary>
    public DalleTransformer Transformer => _transformer
        ?? throw new InvalidOperationException($"model {ModelId} was loaded without its transformer (this device holds layer ranges for shard grains: DalleTransformer.LoadPart).");
    public bool HoldsTransformer => _transformer is not null;
    /// <summary>The folder it was loaded from (null for a random model): shard grains load their layer ranges from it.</summary>
    public string? Folder { get; private init; }
    readonly DalleTransformer? _transformer;
    public ContrastiveReranker Reranker { get; }
    public Device Device { get; }
    public string ModelId => Config.ModelId;

    ModelBundle(ModelConfig config, TextTokenizer tokenizer, Device device, bool withTransformer = true)
    {
        config.Validate();
        if (tokenizer.VocabSize != config.Transformer.TextVocabSize || tokenizer.MaxLength != config.Transformer.TextLength)
            throw new ArgumentException($"the vocabulary ({tokenizer.VocabSize} tokens, max length {tokenizer.MaxLength}) does not fit the config " +
                                        $"(transformer.TextVocabSize {config.Transformer.TextVocabSize}, TextLength {config.Transformer.TextLength}).");
        TorchRuntime.Initialize();
        Config = config;
        Tokenizer = tokenizer;
        Device = device;
        Dvae = new DiscreteVae(config.Dvae);
        if (withTransformer) _transformer = new DalleTransformer(config.Transformer);
        Reranker = new ContrastiveReranker(config.Reranker);
    }

    /// <summary>A freshly initialised model (for tests, benchmarks and the start of training).</summary>
    public static ModelBundle CreateRandom(ModelConfig config, TextTokenizer tokenizer, Device? device = null, long seed = 0)
    {
        TorchRuntime.Initialize();
        manual_seed(seed);
        var bundle = new ModelBundle(config, tokenizer, device ?? CPU);
        bundle.MoveToDeviceForServing();
        return bundle;
    }

    /// <summary>
    /// Loads a model folder strictly: the config decides every size, and every weight file must match it
    /// name for name and shape for shape. Errors name the file and what is wrong. Without
    /// <paramref name="withTransformer"/> only the dVAE, the reranker and the tokenizer are loaded (a device that holds
    /// layer ranges of the transformer loads those when its shard grains activate).
    /// </summary>
    public static ModelBundle Load(string folder, Device? device = null, bool withTransformer = true)
    {
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"model folder '{folder}' does not exist.");
        string configPath = Path.Combine(folder, ConfigFile);
        if (!File.Exists(configPath)) throw new FileNotFoundException($"model folder '{folder}' has no {ConfigFile}.", configPath);
        var config = ModelConfig.Load(configPath);
        var tokenizer = TextTokenizer.Load(Path.Combine(folder, VocabFile));
        var bundle = new ModelBundle(config, tokenizer, device ?? CPU, withTransformer) { Folder = folder };
        try
        {
            CheckpointIO.LoadStrict(bundle.Dvae, Path.Combine(folder, DvaeFile));
            if (withTransformer) CheckpointIO.LoadStrict(bundle.Transformer, Path.Combine(folder, TransformerFile));
            else if (!File.Exists(Path.Combine(folder, TransformerFile)))
                throw new FileNotFoundException($"model folder '{folder}' has no {TransformerFile}.", Path.Combine(folder, TransformerFile));
            CheckpointIO.LoadStrict(bundle.Reranker, Path.Combine(folder, RerankerFile));
        }
        catch
        {
            bundle.Dispose();
            throw;
        }
        bundle.MoveToDeviceForServing();
        return bundle;
    }

    /// <summary>Writes the folder (weights as fp16 when asked: half the size, loads back as fp32).</summary>
    public void Save(string folder, bool fp16)
    {
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, ConfigFile), Config.ToJson());
        Tokenizer.Save(Path.Combine(folder, VocabFile));
        var meta = new Dictionary<string, string> { ["model_id"] = ModelId, ["format"] = ModelConfig.CurrentFormat };
        CheckpointIO.Save(Dvae, Path.Combine(folder, DvaeFile), meta, fp16);
        CheckpointIO.Save(Transformer, Path.Combine(folder, TransformerFile), meta, fp16);
        CheckpointIO.Save(Reranker, Path.Combine(folder, RerankerFile), meta, fp16);
    }

    void MoveToDeviceForServing()
    {
        Dvae.to(Device).eval();
        _transformer?.to(Device).eval();
        Reranker.to(Device).eval();
    }

    public void Dispose()
    {
        Dvae.Dispose();
        _transformer?.Dispose();
        Reranker.Dispose();
    }
}
