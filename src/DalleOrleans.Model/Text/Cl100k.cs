using Microsoft.ML.Tokenizers;

namespace DalleOrleans.Model.Text;

/// <summary>
/// The process-wide cl100k_base BPE tokenizer.
/// </summary>
/// <remarks>
/// Creating it parses a ~100k-entry vocabulary (tens of milliseconds and megabytes), so it is made
/// once, on first use. The vocabulary comes from the Microsoft.ML.Tokenizers.Data.Cl100kBase
/// package embedded in the build, so this works offline. The tokenizer object is safe to share
/// across threads (its cache locks internally).
/// </remarks>
public static class Cl100k
{
    /// <summary>The encoding's name, as stored in vocabulary files.</summary>
    public const string EncodingName = "cl100k_base";

    static readonly Lazy<TiktokenTokenizer> Instance =
        new(() => TiktokenTokenizer.CreateForEncoding(EncodingName), LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The shared tokenizer.</summary>
    public static TiktokenTokenizer Tokenizer => Instance.Value;

    /// <summary>
    /// cl100k_base's ordinary tokens have the ids 0..100255 (its published rank table); special
    /// tokens such as &lt;|endoftext|&gt; have ids above that. The library does not expose its
    /// encoder table publicly, so the count is written here.
    /// </summary>
    public const int OrdinaryTokenCount = 100_256;

    static readonly Lazy<HashSet<int>> SpecialIds = new(
        () => Tokenizer.SpecialTokens is { } specials ? specials.Values.ToHashSet() : [],
        LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>True when <paramref name="id"/> is a cl100k_base token id; for validating vocabulary files.</summary>
    public static bool IsKnownId(int id) => (id >= 0 && id < OrdinaryTokenCount) || SpecialIds.Value.Contains(id);
}
