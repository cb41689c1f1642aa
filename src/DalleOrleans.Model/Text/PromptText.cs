using System.Text;

namespace DalleOrleans.Model.Text;

/// <summary>
/// Checks and normalizes prompt text before it is tokenized.
/// </summary>
/// <remarks>
/// Prompts come straight from users (web page, chat, CLI), so this is the edge where bad input is
/// turned into a clear <see cref="ArgumentException"/> instead of odd tokens: control characters
/// (terminal escapes, NUL) and unpaired UTF-16 surrogates are rejected; any script, emoji included,
/// is accepted. Normalization matches the training captions, which are lowercase with single spaces.
/// </remarks>
public static class PromptText
{
    /// <summary>
    /// Trims, lowercases (invariant culture) and collapses every run of whitespace to one space.
    /// </summary>
    public static string Normalize(string prompt)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        var builder = new StringBuilder(prompt.Length);
        bool pendingSpace = false;
        foreach (char c in prompt)
        {
            if (char.IsWhiteSpace(c))
            {
                // A space is only emitted once a non-space follows, which also trims both ends.
                pendingSpace = builder.Length > 0;
                continue;
            }
            if (pendingSpace) builder.Append(' ');
            pendingSpace = false;
            builder.Append(c);
        }
        return builder.ToString().ToLowerInvariant();
    }

    /// <summary>
    /// Throws an <see cref="ArgumentException"/> naming <paramref name="paramName"/> when the text is
    /// null, blank, holds a control character other than whitespace, or holds an unpaired surrogate.
    /// </summary>
    public static void Validate(string? text, string paramName = "prompt")
    {
        if (text is null)
            throw new ArgumentNullException(paramName, $"{paramName} is null.");
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (char.IsHighSurrogate(c))
            {
                if (i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])) { i++; continue; }
                throw new ArgumentException($"{paramName} is not valid text: an unpaired UTF-16 high surrogate (U+{(int)c:X4}) at index {i}.", paramName);
            }
            if (char.IsLowSurrogate(c))
                throw new ArgumentException($"{paramName} is not valid text: an unpaired UTF-16 low surrogate (U+{(int)c:X4}) at index {i}.", paramName);
            // Tabs and newlines are whitespace and simply become spaces; other control characters
            // (NUL, escape sequences, DEL) have no place in a caption.
            if (char.IsControl(c) && !char.IsWhiteSpace(c))
                throw new ArgumentException($"{paramName} contains the control character U+{(int)c:X4} at index {i}.", paramName);
        }
        if (string.IsNullOrWhiteSpace(text))
            throw new ArgumentException($"{paramName} is empty; describe the image to generate.", paramName);
    }
}
