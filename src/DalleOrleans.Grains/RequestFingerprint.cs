using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using DalleOrleans.Abstractions;
using DalleOrleans.Model.Generation;
using DalleOrleans.Model.Sampling;
using DalleOrleans.Model.Text;

namespace DalleOrleans.Grains;

/// <summary>
/// The identity of a request: SHA-256 over the model id, the normalised prompt, every option and the seed.
/// It keys the GenerationGrain (single flight) and the cache, so two requests that would produce the same
/// images share one generation and one cache entry, and no other request can name it.
/// </summary>
public static class RequestFingerprint
{
    public static string Compute(GenerationRequest request, string modelId)
    {
        var canonical = string.Join('\n',
            "v1", modelId, TextTokenizer.Normalize(request.Prompt),
            request.Candidates.ToString(CultureInfo.InvariantCulture), request.Top.ToString(CultureInfo.InvariantCulture),
            request.Seed.ToString(CultureInfo.InvariantCulture), request.Temperature.ToString("R", CultureInfo.InvariantCulture),
            request.TopK.ToString(CultureInfo.InvariantCulture), request.TopP.ToString("R", CultureInfo.InvariantCulture),
            request.GuidanceScale.ToString("R", CultureInfo.InvariantCulture));
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)));
    }

    /// <summary>Fingerprints are 64 lowercase hex digits; anything else is refused before it names a grain.</summary>
    public static bool IsWellFormed(string? fingerprint) =>
        fingerprint is { Length: 64 } && fingerprint.All(c => c is >= '0' and <= '9' or >= 'a' and <= 'f');

    /// <summary>The contract's request as the model library's request (validated by the caller).</summary>
    public static ImageRequest ToImageRequest(GenerationRequest r) =>
        new(r.Prompt, r.Candidates, r.Top, r.Seed, new SamplingOptions(r.Temperature, r.TopK, r.TopP, r.GuidanceScale));
}
