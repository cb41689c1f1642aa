namespace DalleOrleans.Shapes;

/// <summary>
/// The words of the caption grammar, in one place so that <see cref="CaptionWriter"/> and
/// <see cref="CaptionParser"/> agree. The parser accepts a few more spellings than the writer produces
/// (plurals, "big"/"little"/"tiny", "centre") because people type them.
/// </summary>
public static class Vocabulary
{
    public static string Word(this ShapeColor color) => color switch
    {
        ShapeColor.Red => "red",
        ShapeColor.Green => "green",
        ShapeColor.Blue => "blue",
        ShapeColor.Yellow => "yellow",
        ShapeColor.Purple => "purple",
        ShapeColor.Orange => "orange",
        ShapeColor.White => "white",
        ShapeColor.Black => "black",
        _ => throw new ArgumentOutOfRangeException(nameof(color), color, null),
    };

    public static string Word(this ShapeKind kind) => kind switch
    {
        ShapeKind.Circle => "circle",
        ShapeKind.Square => "square",
        ShapeKind.Triangle => "triangle",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    /// <summary>"a" or "an" before <paramref name="nextWord"/>. Every word the grammar can put after an
    /// article is pronounced as spelled, so the first letter decides.</summary>
    public static string Article(string nextWord) =>
        nextWord.Length > 0 && "aeiou".Contains(nextWord[0]) ? "an" : "a";

    public static bool TryColor(string token, out ShapeColor color)
    {
        switch (token)
        {
            case "red": color = ShapeColor.Red; return true;
            case "green": color = ShapeColor.Green; return true;
            case "blue": color = ShapeColor.Blue; return true;
            case "yellow": color = ShapeColor.Yellow; return true;
            case "purple" or "violet": color = ShapeColor.Purple; return true;
            case "orange": color = ShapeColor.Orange; return true;
            case "white": color = ShapeColor.White; return true;
            case "black": color = ShapeColor.Black; return true;
            default: color = default; return false;
        }
    }

    public static bool TryKind(string token, out ShapeKind kind)
    {
        switch (token)
        {
            case "circle" or "circles": kind = ShapeKind.Circle; return true;
            case "square" or "squares": kind = ShapeKind.Square; return true;
            case "triangle" or "triangles": kind = ShapeKind.Triangle; return true;
            default: kind = default; return false;
        }
    }

    public static bool TrySize(string token, out ShapeSize size)
    {
        switch (token)
        {
            case "small" or "little" or "tiny": size = ShapeSize.Small; return true;
            case "large" or "big": size = ShapeSize.Large; return true;
            default: size = default; return false;
        }
    }

    /// <summary>Row 0 (top) or 2 (bottom) for a word naming a vertical side.</summary>
    public static bool TryRow(string token, out int row)
    {
        switch (token)
        {
            case "top" or "upper": row = 0; return true;
            case "bottom" or "lower": row = 2; return true;
            default: row = -1; return false;
        }
    }

    /// <summary>Column 0 (left) or 2 (right) for a word naming a horizontal side.</summary>
    public static bool TryColumn(string token, out int column)
    {
        switch (token)
        {
            case "left": column = 0; return true;
            case "right": column = 2; return true;
            default: column = -1; return false;
        }
    }

    public static bool IsCenter(string token) => token is "center" or "centre" or "middle";

    /// <summary>Words that turn the colour before them into the background's ("blue background").</summary>
    public static bool IsBackgroundNoun(string token) => token is "background" or "backdrop" or "bg";
}
