using System.Text.Json;
using System.Text.Json.Serialization;
using DalleOrleans.Model;

namespace DalleOrleans.Training.Setup;

/// <summary>
/// Reads a model config given with --config. Unlike <see cref="ModelConfig.FromJson"/> it does not
/// validate yet: the text vocabulary sizes are filled in from the run's tokenizer first.
/// </summary>
public static class ConfigFile
{
    static readonly JsonSerializerOptions Json = new()
    {
        Converters = { new JsonStringEnumConverter() },
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    public static ModelConfig ReadUnvalidated(string path)
    {
        if (!File.Exists(path)) throw new ArgumentException($"--config '{path}' does not exist.", "config");
        try
        {
            return JsonSerializer.Deserialize<ModelConfig>(File.ReadAllText(path), Json)
                   ?? throw new ArgumentException($"--config '{path}' is empty.", "config");
        }
        catch (JsonException e)
        {
            throw new ArgumentException($"--config '{path}' is not a valid model config: {e.Message}", "config", e);
        }
    }

    /// <summary>The config with the text sizes of the transformer and the reranker taken from the tokenizer.</summary>
    public static ModelConfig WithText(ModelConfig config, int vocabSize, int textLength) => config with
    {
        Transformer = config.Transformer with { TextVocabSize = vocabSize, TextLength = textLength },
        Reranker = config.Reranker with { TextVocabSize = vocabSize, TextLength = textLength },
    };
}
