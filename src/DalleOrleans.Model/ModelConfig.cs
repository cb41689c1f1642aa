using System.Text.Json;
using System.Text.Json.Serialization;
using DalleOrleans.Model.Dvae;
using DalleOrleans.Model.Reranker;
using DalleOrleans.Model.Transformer;

namespace DalleOrleans.Model;

/// <summary>
/// The whole model's configuration, saved as config.json beside the weights: the dVAE, the transformer
/// and the reranker, plus the model id that cache keys and fingerprints carry.
/// </summary>
public sealed record ModelConfig
{
    public const string CurrentFormat = "dalle-orleans-model-v1";

    public string Format { get; init; } = CurrentFormat;
    public string ModelId { get; init; } = "untrained";
    public DvaeConfig Dvae { get; init; } = new();
    public TransformerConfig Transformer { get; init; } = new();
    public RerankerConfig Reranker { get; init; } = new();

    static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    /// <summary>Checks every part and that the parts fit together (codebook, grid, text sizes).</summary>
    public void Validate()
    {
        if (Format != CurrentFormat) throw new ArgumentException($"config format is '{Format}'; this build reads '{CurrentFormat}'.");
        if (string.IsNullOrWhiteSpace(ModelId) || ModelId.Length > 64 || ModelId.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')))
            throw new ArgumentException($"modelId '{ModelId}' must be 1..64 characters of letters, digits, '-', '_' or '.'.");
        Dvae.Validate();
        Transformer.Validate();
        Reranker.Validate();
        if (Transformer.ImageVocabSize != Dvae.CodebookSize)
            throw new ArgumentException($"transformer.ImageVocabSize ({Transformer.ImageVocabSize}) must equal dvae.CodebookSize ({Dvae.CodebookSize}).");
        if (Transformer.GridSize != Dvae.GridSize)
            throw new ArgumentException($"transformer.GridSize ({Transformer.GridSize}) must equal the dVAE's grid ({Dvae.GridSize}).");
        if (Reranker.TextLength != Transformer.TextLength || Reranker.TextVocabSize != Transformer.TextVocabSize)
            throw new ArgumentException("reranker.TextLength and reranker.TextVocabSize must equal the transformer's.");
        if (Reranker.ImageSize != Dvae.ImageSize)
            throw new ArgumentException($"reranker.ImageSize ({Reranker.ImageSize}) must equal dvae.ImageSize ({Dvae.ImageSize}).");
    }

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>Reads and validates a config file; errors name it (<see cref="InvalidDataException"/> for a bad config).</summary>
    public static ModelConfig Load(string path) => FromJson(File.ReadAllText(path), path);

    public static ModelConfig FromJson(string json, string source = "config.json")
    {
        ModelConfig? config;
        try { config = JsonSerializer.Deserialize<ModelConfig>(json, Json); }
        catch (JsonException e) { throw new InvalidDataException($"{source}: not a valid model config: {e.Message}", e); }
        if (config is null) throw new InvalidDataException($"{source}: empty model config.");
        try { config.Validate(); }
        catch (ArgumentException e) { throw new InvalidDataException($"{source}: {e.Message}", e); }
        return config;
    }
}
