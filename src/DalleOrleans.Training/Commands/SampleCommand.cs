using System.Diagnostics;
using System.Text.RegularExpressions;
using DalleOrleans.Model.Imaging;
using DalleOrleans.Training.Checkpointing;
using DalleOrleans.Training.Cli;
using DalleOrleans.Training.Progress;
using Generator = DalleOrleans.Model.Generation.Generator;

namespace DalleOrleans.Training.Commands;

/// <summary>
/// `dalle-train sample "&lt;prompt&gt;"`: N candidates through the in-process <see cref="Generator"/>, reranked;
/// writes the K best as 1.png … K.png in rank order, grid.png and result.json.
/// </summary>
public static partial class SampleCommand
{
    public static int Run(SampleOptions options, TextWriter output, TextWriter error)
    {
        try
        {
            options.Validate();
        }
        catch (ArgumentException e)
        {
            return ExitCodes.UsageError(error, e);
        }

        var clock = Stopwatch.StartNew();
        using var model = ModelLoading.TryLoad(options.Generation, error, out int loadExit);
        if (model is null) return loadExit;
        double loadMs = clock.Elapsed.TotalMilliseconds;

        var request = options.Request;
        try
        {
            OptionErrors.Rethrow(() => request.Validate(model.Config.Transformer.ImageVocabSize));
            model.Tokenizer.Encode(request.Prompt);   // too long, control characters: a usage error, before any work
        }
        catch (ArgumentException e)
        {
            return ExitCodes.UsageError(error, e);
        }

        using var generator = new Generator(model);
        var result = ProgressHost.Run(options.Generation.Progress, output, "sample", TimeSpan.FromSeconds(5),
            progress => generator.Generate(request, new TokenProgressReporter(progress, "tokens").Report));

        string folder = Path.GetFullPath(options.Out);
        Directory.CreateDirectory(folder);
        // A previous run with a larger --top would leave extra numbered images that no longer belong to result.json.
        foreach (var stale in Directory.EnumerateFiles(folder, "*.png").Where(p => RankFile().IsMatch(Path.GetFileName(p))))
            File.Delete(stale);
        foreach (var image in result.Images)
            AtomicFile.WriteAllBytes(Path.Combine(folder, $"{image.Rank}.png"), image.Png);
        AtomicFile.WriteAllBytes(Path.Combine(folder, "grid.png"), PngCodec.Grid(result.Images.Select(i => i.Png).ToList(), columns: Math.Min(4, result.Images.Count)));
        AtomicFile.WriteAllText(Path.Combine(folder, "result.json"), SampleResultFile.From(options, result, loadMs).ToJson());

        output.WriteLine($"\"{result.Prompt}\" with model '{result.ModelId}': best {result.Images.Count} of {options.Candidates} candidates (seed {options.Seed})");
        foreach (var image in result.Images)
            output.WriteLine($"  {image.Rank}.png  candidate {image.Candidate,2}  score {image.Score:F4}");
        var t = result.Timings;
        output.WriteLine($"  load {loadMs:F0} ms, tokens {t.TokensMs:F0} ms, decode {t.DecodeMs:F0} ms, rerank {t.RerankMs:F0} ms, encode {t.EncodeMs:F0} ms → {folder}");
        return ExitCodes.Ok;
    }

    [GeneratedRegex(@"^\d+\.png$")]
    private static partial Regex RankFile();
}
