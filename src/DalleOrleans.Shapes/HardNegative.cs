namespace DalleOrleans.Shapes;

/// <summary>
/// A hard negative for a captioned sample: the same scene (same geometry, background, size and position) with
/// one attribute the caption names changed, so that only that attribute tells the two images apart.
/// </summary>
/// <remarks>
/// Why: a reranker trained only against the other, random scenes of its batch learns the easy cues (background,
/// position) and ranks candidates that differ in shape kind or colour, the generator's usual mistakes, almost at
/// random. The kind is always named; the colour only when the caption names it (otherwise a recoloured image
/// would still match the caption). The swapped scene stays inside <paramref name="split"/>, so no held-out
/// colour–shape pair is ever drawn for training.
/// </remarks>
public static class HardNegative
{
    /// <summary>The scene of <paramref name="sample"/> with its kind or (when named) its colour swapped.</summary>
    /// <exception cref="ArgumentException">No such scene exists in <paramref name="split"/> (possible only outside Split.Train).</exception>
    public static ShapeScene Swap(CaptionedSample sample, Random rng, Split split)
    {
        ArgumentNullException.ThrowIfNull(sample);
        ArgumentNullException.ThrowIfNull(rng);
        var scene = sample.Scene;
        bool swapColor = sample.Named.Color is not null && rng.Next(2) == 0;
        if (swapColor)
        {
            var colors = Palette.Colors.Where(c => c != scene.Color && c != scene.Background && split.Allows(c, scene.Kind)).ToList();
            if (colors.Count > 0) return scene with { Color = colors[rng.Next(colors.Count)] };
        }
        var kinds = Enum.GetValues<ShapeKind>().Where(k => k != scene.Kind && split.Allows(scene.Color, k)).ToList();
        if (kinds.Count > 0) return scene with { Kind = kinds[rng.Next(kinds.Count)] };
        // The kind is the only thing left to change, but no other kind of this colour is in the split (in Split.Train there
        // always is: each colour has at most one held-out kind). Then a named colour is the last resort.
        var fallback = sample.Named.Color is null ? [] : Palette.Colors.Where(c => c != scene.Color && c != scene.Background && split.Allows(c, scene.Kind)).ToList();
        if (fallback.Count == 0)
            throw new ArgumentException($"no hard negative of a {scene.Color} {scene.Kind} on {scene.Background} exists in the {split} split.", nameof(split));
        return scene with { Color = fallback[rng.Next(fallback.Count)] };
    }
}
