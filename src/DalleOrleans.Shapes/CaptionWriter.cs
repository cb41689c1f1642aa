namespace DalleOrleans.Shapes;

/// <summary>
/// Writes a caption naming exactly the given attributes, choosing among the grammar's wordings with the
/// caller's random source (so a seeded stream stays deterministic). GRAMMAR.md describes the grammar;
/// the wording probabilities here are what it documents.
/// </summary>
/// <remarks>
/// <code>
/// caption     := [article] [size] [colour] shape [modifier [modifier]]
/// modifier    := position | background          (either order when both are named)
/// position    := "in the top left [corner]" | "at the top left" | "at the top" | "in the top middle"
///              | "on the left [side]" | "at the left" | "in the center" | "in the middle" | "at the center" …
/// background  := "on a(n) C background" | "on C" | "against a(n) C background" | "with a(n) C background"
/// </code>
/// </remarks>
public static class CaptionWriter
{
    /// <summary>Chance that a caption starts with "a"/"an".</summary>
    public const double ArticleProbability = 0.6;

    /// <summary>Chance that a caption naming both puts the position before the background.</summary>
    public const double PositionFirstProbability = 0.7;

    /// <summary>Chance that a large shape is called "big" rather than "large".</summary>
    public const double BigProbability = 0.2;

    /// <summary>Writes a lowercase caption naming exactly the non-null attributes of <paramref name="named"/>.</summary>
    /// <exception cref="ArgumentException">The shape kind is not named: every caption names the shape.</exception>
    public static string Write(CaptionAttributes named, Random rng)
    {
        ArgumentNullException.ThrowIfNull(named);
        ArgumentNullException.ThrowIfNull(rng);
        if (named.Kind is not { } kind)
        {
            throw new ArgumentException("every caption names the shape kind", nameof(named));
        }

        var words = new List<string>(12);

        // Noun phrase: English puts size before colour ("a large red circle").
        if (named.Size is { } size)
        {
            words.Add(size == ShapeSize.Small ? "small" : rng.NextDouble() < BigProbability ? "big" : "large");
        }

        if (named.Color is { } color)
        {
            words.Add(color.Word());
        }

        words.Add(kind.Word());
        if (rng.NextDouble() < ArticleProbability)
        {
            words.Insert(0, Vocabulary.Article(words[0]));
        }

        // Modifiers: the position/background order is drawn only when both are there, so captions naming
        // one of them use the random stream the same way whatever the other is.
        var position = named.Position is { } p ? PositionPhrase(p, rng) : null;
        var background = named.Background is { } b ? BackgroundPhrase(b, rng) : null;
        if (position is not null && background is not null && rng.NextDouble() >= PositionFirstProbability)
        {
            (position, background) = (background, position);
        }

        if (position is not null)
        {
            words.Add(position);
        }

        if (background is not null)
        {
            words.Add(background);
        }

        return string.Join(' ', words);
    }

    private static string PositionPhrase(GridPosition position, Random rng)
    {
        var (column, row) = SceneGeometry.Cell(position);
        var vertical = row switch { 0 => "top", 2 => "bottom", _ => null };
        var horizontal = column switch { 0 => "left", 2 => "right", _ => null };
        if (vertical is not null && horizontal is not null)
        {
            return Pick(rng, $"in the {vertical} {horizontal}", $"in the {vertical} {horizontal} corner", $"at the {vertical} {horizontal}");
        }

        if (vertical is not null)
        {
            return Pick(rng, $"at the {vertical}", $"at the {vertical}", $"in the {vertical} middle");
        }

        if (horizontal is not null)
        {
            return Pick(rng, $"on the {horizontal}", $"on the {horizontal} side", $"at the {horizontal}");
        }

        return Pick(rng, "in the center", "in the middle", "at the center");
    }

    private static string BackgroundPhrase(ShapeColor background, Random rng)
    {
        var word = background.Word();
        var article = Vocabulary.Article(word);
        return rng.Next(10) switch
        {
            < 5 => $"on {article} {word} background",
            < 8 => $"on {word}",
            < 9 => $"against {article} {word} background",
            _ => $"with {article} {word} background",
        };
    }

    private static string Pick(Random rng, string a, string b, string c) => rng.Next(3) switch
    {
        0 => a,
        1 => b,
        _ => c,
    };
}
