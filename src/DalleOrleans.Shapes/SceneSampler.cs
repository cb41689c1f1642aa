namespace DalleOrleans.Shapes;

/// <summary>Draws random scenes, optionally pinned to the attributes a caption names.</summary>
public static class SceneSampler
{
    // Rejection sampling keeps the draw uniform over the allowed scenes; the cap only turns an impossible
    // request (say, a held-out scene with a red shape) into an exception instead of a hang. The rarest
    // possible request succeeds with probability 1/8 per try, so a feasible one never reaches the cap.
    private const int MaxAttempts = 1000;

    /// <summary>
    /// A scene allowed in <paramref name="split"/> that has every attribute <paramref name="named"/> names;
    /// the rest are uniform over what the split allows, with position and side jitter uniform too.
    /// </summary>
    /// <exception cref="ArgumentException">No scene in the split has the named attributes.</exception>
    public static ShapeScene Draw(Random rng, Split split, CaptionAttributes? named = null)
    {
        ArgumentNullException.ThrowIfNull(rng);
        named ??= CaptionAttributes.None;
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            // Always consume the same draws, named or not, so one attribute's choice never shifts the others'.
            var kind = (ShapeKind)rng.Next(3);
            var color = (ShapeColor)rng.Next(8);
            var background = (ShapeColor)rng.Next(8);
            kind = named.Kind ?? kind;
            color = named.Color ?? color;
            background = named.Background ?? background;
            if (background == color || !split.Allows(color, kind))
            {
                continue;
            }

            var size = (ShapeSize)rng.Next(2);
            var position = (GridPosition)rng.Next(9);
            var dx = Symmetric(rng, SceneGeometry.PositionJitter);
            var dy = Symmetric(rng, SceneGeometry.PositionJitter);
            var dSide = Symmetric(rng, SceneGeometry.SideJitter);
            return ShapeScene.Jittered(background, color, kind, named.Size ?? size, named.Position ?? position, dx, dy, dSide);
        }

        throw new ArgumentException($"no {split} scene has the attributes {named}", nameof(named));
    }

    private static float Symmetric(Random rng, float range) => (float)((rng.NextDouble() * 2.0 - 1.0) * range);
}
