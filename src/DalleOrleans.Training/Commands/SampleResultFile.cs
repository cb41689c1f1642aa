using System.Text.Json;
using System.Text.Json.Serialization;
using DalleOrleans.Model.Generation;

namespace DalleOrleans.Training.Commands;

/// <summary>result.json written by `sample`: the prompt, the options, every kept image with its score, and timings.</summary>
public sealed record SampleResultFile(
    string Prompt,
    string ModelId,
    string Model,
    SampleResultFile.RequestOptions Options,
    IReadOnlyList<SampleResultFile.Image> Images,
    SampleResultFile.Timings TimingsMs,
    DateTimeOffset CreatedUtc)
{
    public sealed record RequestOptions(int Candidates, int Top, long Seed, double Temperature, int TopK, double TopP, double Guidance);

    /// <param name="Rank">1 = the reranker's best.</param>
    /// <param name="Candidate">Index of the candidate among all drawn (0-based).</param>
    /// <param name="Score">The reranker's cosine similarity with the prompt.</param>
    public sealed record Image(int Rank, string File, int Candidate, float Score);

    public sealed record Timings(double Load, double Tokens, double Decode, double Rerank, double Encode, double Total);

    static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    public static SampleResultFile From(SampleOptions options, ImageResult result, double loadMs) => new(
        result.Prompt,
        result.ModelId,
        options.Generation.Model,
        new RequestOptions(options.Candidates, options.Top, options.Seed, options.Generation.Temperature, options.Generation.TopK,
            options.Generation.TopP, options.Generation.Guidance),
        result.Images.Select(i => new Image(i.Rank, $"{i.Rank}.png", i.Candidate, i.Score)).ToList(),
        new Timings(loadMs, result.Timings.TokensMs, result.Timings.DecodeMs, result.Timings.RerankMs, result.Timings.EncodeMs, loadMs + result.Timings.TotalMs),
        DateTimeOffset.UtcNow);

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static SampleResultFile Read(string path) =>
        JsonSerializer.Deserialize<SampleResultFile>(File.ReadAllText(path), Json) ?? throw new InvalidDataException($"{path} is empty.");
}
