using System.Text;

namespace DalleOrleans.Model.Text;

/// <summary>
/// Turns prompts into the model's text tokens: cl100k_base BPE, mapped onto a compact vocabulary
/// made of the BPE tokens that occur in the training captions.
/// </summary>
/// <remarks>
/// Why compact: the captions use a few hundred distinct BPE tokens out of cl100k's ~100k, and the
/// transformer's text embedding only needs rows for tokens it was trained on. Id 0 is padding,
/// id 1 stands for any BPE token the captions never used, then the seen BPE ids in ascending order
/// (so the mapping depends only on the set of tokens, never on caption order).
/// Instances are immutable, so Encode and Decode are safe to call from many threads.
/// </remarks>
public sealed class TextTokenizer
{
    /// <summary>Padding id; fills the text context after the prompt.</summary>
    public const int PadId = 0;

    /// <summary>Id for BPE tokens outside the compact vocabulary.</summary>
    public const int UnkId = 1;

    /// <summary>How many ids come before the first BPE token.</summary>
    public const int SpecialCount = 2;

    /// <summary>How an unknown token is written by <see cref="Decode"/>.</summary>
    public const string UnkText = "[UNK]";

    readonly int[] _bpeIds;                      // compact id - SpecialCount → BPE id
    readonly Dictionary<int, int> _compactIds;   // BPE id → compact id

    TextTokenizer(int[] bpeIds, int maxLength)
    {
        if (maxLength <= 0)
            throw new ArgumentOutOfRangeException(nameof(maxLength), maxLength, "maxLength must be at least 1.");
        _bpeIds = bpeIds;
        MaxLength = maxLength;
        _compactIds = new Dictionary<int, int>(bpeIds.Length);
        for (int i = 0; i < bpeIds.Length; i++)
            _compactIds.Add(bpeIds[i], i + SpecialCount);
    }

    /// <summary>Number of ids, the two specials included: the size of the text embedding.</summary>
    public int VocabSize => _bpeIds.Length + SpecialCount;

    /// <summary>The longest prompt, in tokens; also the length of <see cref="EncodePadded"/>.</summary>
    public int MaxLength { get; }

    /// <summary>The cl100k_base ids behind compact ids 2, 3, ..., ascending.</summary>
    public IReadOnlyList<int> BpeIds => _bpeIds;

    /// <summary>Builds the vocabulary from training captions.</summary>
    /// <param name="captions">The training captions; normalized the same way prompts are.</param>
    /// <param name="maxLength">The model's text context length; every caption must fit.</param>
    /// <exception cref="ArgumentException">A caption is invalid or longer than <paramref name="maxLength"/> tokens.</exception>
    public static TextTokenizer Build(IEnumerable<string> captions, int maxLength)
    {
        ArgumentNullException.ThrowIfNull(captions);
        if (maxLength <= 0)
            throw new ArgumentOutOfRangeException(nameof(maxLength), maxLength, "maxLength must be at least 1.");
        var seen = new SortedSet<int>();
        int index = 0;
        foreach (var caption in captions)
        {
            string name = $"captions[{index}]";
            PromptText.Validate(caption, name);
            var ids = Cl100k.Tokenizer.EncodeToIds(PromptText.Normalize(caption));
            // A training caption that does not fit would be silently cut during training.
            if (ids.Count > maxLength)
                throw new ArgumentException($"{name} (\"{caption}\") is {ids.Count} tokens long; maxLength is {maxLength}.", nameof(captions));
            seen.UnionWith(ids);
            index++;
        }
        return new TextTokenizer(seen.ToArray(), maxLength);
    }

    /// <summary>
    /// Creates a tokenizer from a stored id list (as in a vocabulary file).
    /// </summary>
    /// <exception cref="ArgumentException">The ids are negative, unknown to cl100k_base, repeated or not ascending.</exception>
    public static TextTokenizer FromBpeIds(IEnumerable<int> bpeIds, int maxLength)
    {
        ArgumentNullException.ThrowIfNull(bpeIds);
        var ids = bpeIds.ToArray();
        for (int i = 0; i < ids.Length; i++)
        {
            if (!Cl100k.IsKnownId(ids[i]))
                throw new ArgumentException($"BPE id {ids[i]} at position {i} is not a cl100k_base token.", nameof(bpeIds));
            if (i > 0 && ids[i] == ids[i - 1])
                throw new ArgumentException($"BPE id {ids[i]} appears twice (positions {i - 1} and {i}).", nameof(bpeIds));
            if (i > 0 && ids[i] < ids[i - 1])
                throw new ArgumentException($"BPE ids must be ascending, but {ids[i]} at position {i} follows {ids[i - 1]}.", nameof(bpeIds));
        }
        return new TextTokenizer(ids, maxLength);
    }

    /// <summary>Trims, lowercases and collapses whitespace, as <see cref="Encode"/> does first.</summary>
    public static string Normalize(string prompt) => PromptText.Normalize(prompt);

    /// <summary>Validates, normalizes and tokenizes a prompt into compact ids (no padding).</summary>
    /// <exception cref="ArgumentException">The prompt is empty, holds control characters or unpaired surrogates.</exception>
    /// <exception cref="PromptTooLongException">The prompt has more than <see cref="MaxLength"/> tokens.</exception>
    public int[] Encode(string prompt)
    {
        PromptText.Validate(prompt, nameof(prompt));
        var bpe = Cl100k.Tokenizer.EncodeToIds(PromptText.Normalize(prompt));
        if (bpe.Count > MaxLength)
            throw new PromptTooLongException(bpe.Count, MaxLength);
        var ids = new int[bpe.Count];
        for (int i = 0; i < ids.Length; i++)
            ids[i] = _compactIds.TryGetValue(bpe[i], out int id) ? id : UnkId;
        return ids;
    }

    /// <summary>Like <see cref="Encode"/>, padded with <see cref="PadId"/> to exactly <see cref="MaxLength"/> ids (the model's input).</summary>
    public long[] EncodePadded(string prompt)
    {
        var ids = Encode(prompt);
        var padded = new long[MaxLength];   // zero-filled, and PadId is 0
        for (int i = 0; i < ids.Length; i++) padded[i] = ids[i];
        return padded;
    }

    /// <summary>
    /// Turns compact ids back into text: padding is skipped, unknown tokens are written as "[UNK]".
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">An id is outside 0..VocabSize-1.</exception>
    public string Decode(IEnumerable<int> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var text = new StringBuilder();
        var run = new List<int>();   // consecutive known BPE ids, decoded together so multi-token characters survive
        foreach (int id in ids)
        {
            if (id < 0 || id >= VocabSize)
                throw new ArgumentOutOfRangeException(nameof(ids), id, $"token id {id} is outside the vocabulary (0..{VocabSize - 1}).");
            if (id == PadId) continue;
            if (id == UnkId)
            {
                Flush(run, text);
                // The unknown token usually carried its leading space (" zebra"); put one back so words stay apart.
                if (text.Length > 0 && !char.IsWhiteSpace(text[^1])) text.Append(' ');
                text.Append(UnkText);
                continue;
            }
            run.Add(_bpeIds[id - SpecialCount]);
        }
        Flush(run, text);
        return text.ToString();
    }

    static void Flush(List<int> run, StringBuilder text)
    {
        if (run.Count == 0) return;
        text.Append(Cl100k.Tokenizer.Decode(run));
        run.Clear();
    }

    /// <summary>Writes the vocabulary as JSON (see <see cref="VocabularyFile"/>).</summary>
    public void Save(string path) => VocabularyFile.Save(path, this);

    /// <summary>Reads a vocabulary written by <see cref="Save"/>.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a valid vocabulary file; the message says why.</exception>
    public static TextTokenizer Load(string path) => VocabularyFile.Load(path);
}
