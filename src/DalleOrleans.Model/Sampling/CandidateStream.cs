namespace DalleOrleans.Model.Sampling;

/// <summary>
/// One candidate image being decoded: its text, options and random key, the tokens drawn so far, and the
/// rows of the KV cache it occupies while it runs (one, or two with guidance).
/// </summary>
public sealed class CandidateStream
{
    readonly int[] _tokens;
    volatile bool _cancelled;

    public CandidateStream(long[] textTokens, SamplingOptions options, ulong randomKey, int imageTokens, object? tag = null)
    {
        TextTokens = textTokens;
        Options = options;
        RandomKey = randomKey;
        _tokens = new int[imageTokens];
        Tag = tag;
    }

    public long[] TextTokens { get; }
    public SamplingOptions Options { get; }
    public ulong RandomKey { get; }
    /// <summary>Whatever the owner needs to route results (request id, candidate index...).</summary>
    public object? Tag { get; }

    public int Generated { get; private set; }
    public bool IsComplete => Generated == _tokens.Length;
    public bool IsCancelled => _cancelled;
    public ReadOnlySpan<int> Tokens => _tokens.AsSpan(0, Generated);
    public int[] ImageTokens => IsComplete ? _tokens : throw new InvalidOperationException("the stream has not finished.");
    public int RowsNeeded => Options.UsesGuidance ? 2 : 1;

    /// <summary>Called on the decoding thread after each token (tokens done so far).</summary>
    public Action<CandidateStream>? OnToken { get; init; }
    /// <summary>Called once on the decoding thread when the stream completes or is dropped after cancellation.</summary>
    public Action<CandidateStream>? OnFinished { get; init; }

    /// <summary>Asks the batcher to drop this stream at its next step (frees its rows).</summary>
    public void Cancel() => _cancelled = true;

    /// <summary>Why the stream stopped when the device failed underneath it; null otherwise.</summary>
    public Exception? Failure { get; private set; }

    /// <summary>Marks the stream failed (its device step threw) and drops it like a cancellation.</summary>
    public void Fail(Exception error)
    {
        Failure ??= error;
        _cancelled = true;
    }

    internal int ConditionalRow { get; set; } = -1;
    internal int UnconditionalRow { get; set; } = -1;
    internal int LastToken => _tokens[Generated - 1];

    internal void Append(int token)
    {
        _tokens[Generated++] = token;
        OnToken?.Invoke(this);
    }
}
