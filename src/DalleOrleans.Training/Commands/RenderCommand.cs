using DalleOrleans.Shapes;
using DalleOrleans.Training.Cli;

namespace DalleOrleans.Training.Commands;

/// <summary>
/// `dalle-train render`: ground-truth images for a caption. Each image is a true scene with every attribute the
/// caption names (the rest drawn at random), rendered exactly as the training data is, so a generated image can be
/// set beside what the caption means.
/// </summary>
public static class RenderCommand
{
    public const int MaxCount = 256;

    public static int Run(string caption, string outFolder, int count, int seed, TextWriter output, TextWriter error)
    {
        CaptionAttributes named;
        try
        {
            if (string.IsNullOrWhiteSpace(caption)) throw new ArgumentException("the caption is empty; give one such as \"a large red circle on a white background\".", "caption");
            if (string.IsNullOrWhiteSpace(outFolder)) throw new ArgumentException("--out is empty; give a folder for the PNGs.", "out");
            if (count is < 1 or > MaxCount) throw new ArgumentException($"--count is {count}; it must be between 1 and {MaxCount}.", "count");
            if (seed < 0) throw new ArgumentException($"--seed is {seed}; it must be ≥ 0.", "seed");
            named = CaptionParser.Parse(caption);
            if (named.Kind is null) throw new ArgumentException($"the caption \"{caption}\" names no shape kind (circle, square or triangle); the renderer needs one.", "caption");
            if (named.Color is { } c && named.Color == named.Background)
                throw new ArgumentException($"the caption names {c} for both the shape and the background; they must differ.", "caption");
        }
        catch (ArgumentException e)
        {
            return ExitCodes.UsageError(error, e);
        }

        // A held-out colour–shape pair exists only in the held-out split; everything else is drawn as training scenes are.
        var split = named.Color is { } color && HeldOutPairs.IsHeldOut(color, named.Kind!.Value) ? Split.HeldOut : Split.Train;
        var rng = new Random(seed);
        Directory.CreateDirectory(outFolder);
        using var renderer = new ShapeRenderer();
        for (int i = 0; i < count; i++)
        {
            var scene = SceneSampler.Draw(rng, split, named);
            string path = Path.Combine(outFolder, $"render-{i + 1:D3}.png");
            Checkpointing.AtomicFile.WriteAllBytes(path, renderer.RenderPng(scene));
            output.WriteLine($"{path}  {scene.Attributes}");
        }
        output.WriteLine($"rendered {count} true scene(s) for \"{caption}\" ({named}) → {Path.GetFullPath(outFolder)}");
        return ExitCodes.Ok;
    }
}
