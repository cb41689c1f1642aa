using System.Text.Json;
using System.Text.RegularExpressions;
using DalleOrleans.Abstractions;
using DalleOrleans.Model.Imaging;

namespace DalleOrleans.Client;

/// <summary>
/// What `dalle generate` leaves in its output folder: 1.png … K.png in rank order, grid.png and result.json, and only
/// those. A folder used before keeps the user's other files, but every earlier ranked image (N.png) is removed first,
/// so a run with --top 2 after one with --top 8 does not leave 3.png … 8.png from the older prompt beside the new ones.
/// Nothing is touched when a generation fails.
/// </summary>
public static partial class GenerateOutput
{
    static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    [GeneratedRegex(@"^[0-9]+\.png$")]
    private static partial Regex RankedImage();

    /// <summary>Writes the files and returns the result document (the text of result.json).</summary>
    public static string Write(GenerationResult result, GenerationRequest request, string outDir)
    {
        Directory.CreateDirectory(outDir);
        foreach (var stale in Directory.EnumerateFiles(outDir).Where(f => RankedImage().IsMatch(Path.GetFileName(f))))
            File.Delete(stale);
        foreach (var image in result.Images) File.WriteAllBytes(Path.Combine(outDir, $"{image.Rank}.png"), image.Png);
        File.WriteAllBytes(Path.Combine(outDir, "grid.png"), PngCodec.Grid(result.Images.Select(i => i.Png).ToList()));
        string document = Document(result, request, outDir);
        File.WriteAllText(Path.Combine(outDir, "result.json"), document);
        return document;
    }

    /// <summary>result.json: the prompt, every option with the seed used (drawn or given), and the ranked files.</summary>
    public static string Document(GenerationResult result, GenerationRequest request, string outDir) => JsonSerializer.Serialize(new
    {
        prompt = request.Prompt,
        seed = request.Seed,
        options = new { request.Candidates, request.Top, request.Seed, request.Temperature, request.TopK, request.TopP, guidance = request.GuidanceScale },
        outDir = Path.GetFullPath(outDir),
        fingerprint = result.Fingerprint, modelId = result.ModelId, cacheHit = result.CacheHit,
        images = result.Images.Select(i => new { file = $"{i.Rank}.png", i.Rank, i.Candidate, i.Score }),
        grid = "grid.png",
        timings = result.Timings, devices = result.Devices,
    }, Json);
}
