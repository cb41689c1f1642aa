using DalleOrleans.Model;
using DalleOrleans.Model.Text;
using DalleOrleans.Shapes;

namespace DalleOrleans.Training.Setup;

/// <summary>
/// Creates (first stage) or reads (later stages, resumes) the run's vocabulary and config.json. The first
/// command to run decides both; later ones must agree with them.
/// </summary>
public static class RunSetup
{
    /// <summary>Captions for the vocabulary: training split only, so no held-out pair ever shapes the model.</summary>
    public static IEnumerable<string> VocabularyCaptions(int seed, int count) =>
        ShapesDataset.Stream(seed, Split.Train).Take(count).Select(s => s.Caption);

    /// <summary>Loads vocab.json, or builds it from <paramref name="captions"/> training captions and saves it.</summary>
    public static TextTokenizer EnsureVocabulary(RunFolder run, int textLength, int captions, int seed, TextWriter log)
    {
        if (File.Exists(run.VocabPath))
        {
            var existing = TextTokenizer.Load(run.VocabPath);
            if (existing.MaxLength != textLength)
                throw new ArgumentException($"the run's {run.VocabPath} has max length {existing.MaxLength}, but the config asks for TextLength {textLength}.", "config");
            return existing;
        }
        if (captions < 1) throw new ArgumentException($"--captions is {captions}; it must be at least 1.", "captions");
        var tokenizer = TextTokenizer.Build(VocabularyCaptions(seed, captions), textLength);
        tokenizer.Save(run.VocabPath);
        log.WriteLine($"vocabulary: {tokenizer.VocabSize} ids from {captions} training captions (max length {textLength}) → {run.VocabPath}");
        return tokenizer;
    }

    /// <summary>
    /// The run's config and tokenizer. A new run takes <paramref name="configFile"/> (or the shipped config),
    /// builds the vocabulary and writes config.json; an existing run reads both back.
    /// </summary>
    public static (ModelConfig Config, TextTokenizer Tokenizer) Ensure(RunFolder run, string? configFile, int vocabCaptions, int seed, TextWriter log)
    {
        Directory.CreateDirectory(run.Root);
        if (File.Exists(run.ConfigPath))
        {
            var config = ModelConfig.Load(run.ConfigPath);
            if (configFile is not null && !SameSizes(config, ConfigFile.ReadUnvalidated(configFile)))
                throw new ArgumentException($"--config '{configFile}' differs from the run's {run.ConfigPath}; a run keeps the config it started with (use a new --run folder).", "config");
            var tokenizer = TextTokenizer.Load(run.VocabPath);
            if (tokenizer.VocabSize != config.Transformer.TextVocabSize)
                throw new InvalidDataException($"{run.VocabPath} has {tokenizer.VocabSize} ids but {run.ConfigPath} says {config.Transformer.TextVocabSize}.");
            return (config, tokenizer);
        }

        var baseConfig = configFile is null ? ShippedConfig.Model() : ConfigFile.ReadUnvalidated(configFile);
        int textLength = baseConfig.Transformer.TextLength;
        var vocab = EnsureVocabulary(run, textLength, vocabCaptions, seed, log);
        var created = ConfigFile.WithText(baseConfig, vocab.VocabSize, textLength);
        try { created.Validate(); }
        catch (ArgumentException e) { throw new ArgumentException($"--config: {e.Message}", "config", e); }
        if (created.Dvae.ImageSize != SceneGeometry.ImageSize || created.Reranker.ImageSize != SceneGeometry.ImageSize)
            throw new ArgumentException($"--config: the shapes data set renders {SceneGeometry.ImageSize}×{SceneGeometry.ImageSize} images; dvae.ImageSize and reranker.ImageSize must be {SceneGeometry.ImageSize}.", "config");
        Checkpointing.AtomicFile.WriteAllText(run.ConfigPath, created.ToJson());
        log.WriteLine($"config: {created.ModelId}, transformer {created.Transformer.Layers}×{created.Transformer.ModelDim} " +
                      $"({created.Transformer.ParameterCount() / 1e6:F1} M parameters), codebook {created.Dvae.CodebookSize} → {run.ConfigPath}");
        return (created, vocab);
    }

    /// <summary>Equal apart from the text vocabulary size, which the run's tokenizer decides.</summary>
    static bool SameSizes(ModelConfig run, ModelConfig given)
    {
        var filled = ConfigFile.WithText(given, run.Transformer.TextVocabSize, given.Transformer.TextLength);
        return filled.ToJson() == run.ToJson();
    }
}
