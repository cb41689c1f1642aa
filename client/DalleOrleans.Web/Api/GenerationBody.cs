using DalleOrleans.Abstractions;

namespace DalleOrleans.Web.Api;

/// <summary>
/// The JSON body of POST /api/generations. Every option may be left out (or null) for the contract's default;
/// "guidance" is the classifier-free guidance scale.
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
            Seed = Seed ?? defaults.Seed,
            Temperature = Temperature ?? defaults.Temperature,
            TopK = TopK ?? defaults.TopK,
            TopP = TopP ?? defaults.TopP,
            GuidanceScale = Guidance ?? defaults.GuidanceScale,
        };
    }
}
