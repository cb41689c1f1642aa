namespace DalleOrleans.Model.Text;

/// <summary>
/// A prompt has more tokens than the model's text context holds.
/// </summary>
/// <remarks>
/// An <see cref="ArgumentException"/> on "prompt", so edge code that maps argument errors to
/// "400 bad request" handles it without knowing this type; the type exists for callers that want
/// to tell the user the limit (<see cref="MaxLength"/>) and how far over they are.
/// </remarks>
public sealed class PromptTooLongException : ArgumentException
{
    public PromptTooLongException(int tokenCount, int maxLength)
        : base($"prompt is {tokenCount} tokens long; the model's limit is {maxLength} tokens.", "prompt")
    {
        TokenCount = tokenCount;
        MaxLength = maxLength;
    }

    /// <summary>How many tokens the prompt has.</summary>
    public int TokenCount { get; }

    /// <summary>The model's limit.</summary>
    public int MaxLength { get; }
}
