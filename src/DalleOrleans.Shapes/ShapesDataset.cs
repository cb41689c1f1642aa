namespace DalleOrleans.Shapes;

/// <summary>
/// The captioned-shapes data set: random scenes with captions that name some of their attributes.
/// Everything is a pure function of the random source, so a seed fixes the whole stream, captions and
/// (through <see cref="ShapeRenderer"/>) pixels alike.
/// </summary>
public static class ShapesDataset
{
    /// <summary>Chance a training caption names the shape's colour (held-out captions always do).</summary>
    public const double ColorProbability = 0.85;

    public const double SizeProbability = 0.5;
    public const double PositionProbability = 0.5;
    public const double BackgroundProbability = 0.4;

    /// <summary>
    /// An endless, lazily generated stream of samples; nothing is stored. Each enumeration starts again
    /// from <paramref name="seed"/>, so two enumerations yield the same samples.
    /// </summary>
    public static IEnumerable<CaptionedSample> Stream(int seed, Split split)
    {
        // System.Random with a seed uses the same legacy algorithm on every .NET version and platform.
        var rng = new Random(seed);
        while (true)
        {
            yield return Sample(rng, split);
        }
    }

    /// <summary>One sample drawn from <paramref name="rng"/>.</summary>
    public static CaptionedSample Sample(Random rng, Split split)
    {
        var scene = SceneSampler.Draw(rng, split);
        return Describe(scene, rng, split);
    }

    /// <summary>
    /// A caption for <paramref name="scene"/>: the shape kind always, the colour usually (always in the
    /// held-out split, whose point is the colour–shape pair), size, position and background each sometimes.
    /// </summary>
    public static CaptionedSample Describe(ShapeScene scene, Random rng, Split split)
    {
        ArgumentNullException.ThrowIfNull(scene);
        ArgumentNullException.ThrowIfNull(rng);
        if (!split.Allows(scene.Color, scene.Kind))
        {
            throw new ArgumentException($"a {scene.Color} {scene.Kind} is not in the {split} split", nameof(scene));
        }

        // Draw every coin even when its answer is forced, so the stream's use of rng does not depend on the split.
        var namesColor = rng.NextDouble() < ColorProbability || split == Split.HeldOut;
        var namesSize = rng.NextDouble() < SizeProbability;
        var namesPosition = rng.NextDouble() < PositionProbability;
        var namesBackground = rng.NextDouble() < BackgroundProbability;
        var named = new CaptionAttributes(
            scene.Kind,
            namesColor ? scene.Color : null,
            namesSize ? scene.Size : null,
            namesPosition ? scene.Position : null,
            namesBackground ? scene.Background : null);
        return new CaptionedSample(scene, CaptionWriter.Write(named, rng), named);
    }
}
