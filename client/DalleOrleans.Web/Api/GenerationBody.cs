using DalleOrleans.Abstractions;

namespace DalleOrleans.Web.Api;

/// <summary>
/// The JSON body of POST /api/generations. Every option may be left out (or null) for the contract's default;
/// "guidance" is the classifier-free guidance scale. Without a seed a fresh random one is drawn (asking again gives new
/// images, as people expect of an image generator); the API reports it, and the same explicit seed gives the same bytes.
/// </summary>
public sealed record GenerationBody(
    string? Prompt, int? Candidates, int? Top, long? Seed, double? Temperature, int? TopK, double? TopP, double? Guidance)
{
    public GenerationRequest ToRequest()
    {
        var defaults = new GenerationRequest();
        return new GenerationRequest
        {
            Prompt = Prompt ?? "",
            Candidates = Candidates ?? defaults.Candidates,
            Top = Top ?? defaults.Top,
            Seed = Seed ?? FreshSeed(),
            Temperature = Temperature ?? defaults.Temperature,
            TopK = TopK ?? defaults.TopK,
            TopP = TopP ?? defaults.TopP,
            GuidanceScale = Guidance ?? defaults.GuidanceScale,
        };
    }

    /// <summary>Uniform over every seed the contract accepts (0 … 2^53 − 1, JSON-safe).</summary>
    public static long FreshSeed() => Random.Shared.NextInt64(0, DalleOrleans.Model.Generation.ImageRequest.MaxSeed + 1);
}
