using System.Text;

namespace DalleOrleans.Shapes;

/// <summary>
/// Reads back which attributes a caption names. It inverts every caption <see cref="CaptionWriter"/>
/// produces and is forgiving about how people type: case, extra spaces, punctuation and hyphens
/// ("Top-Left"), "centre", plurals, "big"/"little", "upper"/"lower", "a blue circle, red background".
/// </summary>
/// <remarks>
/// It looks for keywords rather than following the grammar, so free-form prompts still give their
/// attributes:
/// <list type="bullet">
/// <item>kind: the first shape noun;</item>
/// <item>size: the first size word;</item>
/// <item>background: a colour right before "background"/"backdrop" (or right after, as in "background: blue"),
/// otherwise the first colour after the shape noun ("circle on blue");</item>
/// <item>colour: the last remaining colour before the shape noun ("red circle");</item>
/// <item>position: top/upper/bottom/lower pick the row, left/right the column, a missing one means the
/// middle; "center"/"middle" alone mean the centre.</item>
/// </list>
/// Unknown words are ignored; attributes not found are null.
/// </remarks>
public static class CaptionParser
{
    public static CaptionAttributes Parse(string caption)
    {
        ArgumentNullException.ThrowIfNull(caption);
        var tokens = Tokenize(caption);

        ShapeKind? kind = null;
        var kindIndex = -1;
        ShapeSize? size = null;
        for (var i = 0; i < tokens.Length; i++)
        {
            if (kind is null && Vocabulary.TryKind(tokens[i], out var k))
            {
                kind = k;
                kindIndex = i;
            }

            if (size is null && Vocabulary.TrySize(tokens[i], out var s))
            {
                size = s;
            }
        }

        var (color, background) = Colors(tokens, kindIndex);
        return new CaptionAttributes(kind, color, size, Position(tokens), background);
    }

    /// <summary>Lowercase words, everything but letters treated as a separator.</summary>
    public static string[] Tokenize(string caption)
    {
        var text = new StringBuilder(caption.Length);
        foreach (var c in caption)
        {
            text.Append(char.IsLetter(c) ? char.ToLowerInvariant(c) : ' ');
        }

        return text.ToString().Split(' ', StringSplitOptions.RemoveEmptyEntries);
    }

    private static (ShapeColor? Color, ShapeColor? Background) Colors(string[] tokens, int kindIndex)
    {
        ShapeColor? background = null;
        var claimed = new bool[tokens.Length];

        // An explicit "<colour> background" or "background [is|of] <colour>" wins wherever it stands.
        for (var i = 0; i < tokens.Length && background is null; i++)
        {
            if (!Vocabulary.IsBackgroundNoun(tokens[i]))
            {
                continue;
            }

            if (i > 0 && Vocabulary.TryColor(tokens[i - 1], out var before))
            {
                background = before;
                claimed[i - 1] = true;
            }
            else
            {
                var next = i + 1 < tokens.Length && tokens[i + 1] is "is" or "of" ? i + 2 : i + 1;
                if (next < tokens.Length && Vocabulary.TryColor(tokens[next], out var after))
                {
                    background = after;
                    claimed[next] = true;
                }
            }
        }

        // Without a shape noun, "on"/"against" still separates the shape's colour from the background's.
        var split = kindIndex >= 0 ? kindIndex : Array.FindIndex(tokens, t => t is "on" or "against");
        if (split < 0)
        {
            split = tokens.Length;
        }

        ShapeColor? color = null;
        for (var i = 0; i < tokens.Length; i++)
        {
            if (claimed[i] || !Vocabulary.TryColor(tokens[i], out var c))
            {
                continue;
            }

            if (i < split)
            {
                color = c; // the last colour before the noun is the one that modifies it
            }
            else
            {
                background ??= c;
            }
        }

        return (color, background);
    }

    private static GridPosition? Position(string[] tokens)
    {
        int? row = null, column = null;
        var center = false;
        foreach (var token in tokens)
        {
            if (row is null && Vocabulary.TryRow(token, out var r))
            {
                row = r;
            }
            else if (column is null && Vocabulary.TryColumn(token, out var c))
            {
                column = c;
            }
            else if (Vocabulary.IsCenter(token))
            {
                center = true;
            }
        }

        if (row is null && column is null)
        {
            return center ? GridPosition.Center : null;
        }

        return SceneGeometry.FromCell(column ?? 1, row ?? 1);
    }
}
