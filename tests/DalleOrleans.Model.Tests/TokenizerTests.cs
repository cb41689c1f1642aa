using System.Text.Json;
using DalleOrleans.Model.Text;

namespace DalleOrleans.Model.Tests;

public class TokenizerTests : IDisposable
{
    static readonly string[] Captions =
    [
        "a large red circle in the top left on a blue background",
        "a small green square in the bottom right on a white background",
        "a blue triangle in the center on a black background",
    ];

    static readonly TextTokenizer Tokenizer = TextTokenizer.Build(Captions, maxLength: 16);

    readonly string _folder = Directory.CreateTempSubdirectory("dalle-vocab-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(_folder, recursive: true); } catch (IOException) { }
        GC.SuppressFinalize(this);
    }

    string FileIn(string name) => Path.Combine(_folder, name);

    [Fact]
    public void CaptionsRoundTrip()
    {
        foreach (var caption in Captions)
        {
            int[] ids = Tokenizer.Encode(caption);
            Assert.DoesNotContain(TextTokenizer.UnkId, ids);
            Assert.DoesNotContain(TextTokenizer.PadId, ids);
            Assert.Equal(caption, Tokenizer.Decode(ids));
        }
        // A new combination of known words decodes exactly too.
        const string recombined = "a small red triangle in the top right on a green background";
        Assert.Equal(recombined, Tokenizer.Decode(Tokenizer.Encode(recombined)));
    }

    [Fact]
    public void VocabularyIsCompactAndOrdered()
    {
        Assert.Equal(Tokenizer.BpeIds.Count + 2, Tokenizer.VocabSize);
        Assert.True(Tokenizer.BpeIds.Count is > 10 and < 60, $"{Tokenizer.BpeIds.Count} BPE ids for three short captions");
        Assert.Equal(Tokenizer.BpeIds.Order(), Tokenizer.BpeIds);
        Assert.Equal(Tokenizer.BpeIds.Count, Tokenizer.BpeIds.Distinct().Count());
        var all = Captions.SelectMany(Tokenizer.Encode).ToList();
        Assert.All(all, id => Assert.InRange(id, 2, Tokenizer.VocabSize - 1));
        Assert.Equal(Tokenizer.VocabSize - 2, all.Distinct().Count());   // every id is used by some caption
        Assert.Equal(0, TextTokenizer.PadId);
        Assert.Equal(1, TextTokenizer.UnkId);
    }

    [Fact]
    public void PromptsAreNormalizedBeforeEncoding()
    {
        Assert.Equal("a red circle", TextTokenizer.Normalize("  A  Red\tCircle \n"));
        Assert.Equal("école", TextTokenizer.Normalize("ÉCOLE"));
        Assert.Equal(Tokenizer.Encode("a red circle"), Tokenizer.Encode("  A  Red Circle "));
        Assert.Equal(Tokenizer.Encode("a red circle"), Tokenizer.Encode("A\r\nRED\t\tcircle"));
    }

    [Fact]
    public void UnknownWordsBecomeUnk()
    {
        int[] ids = Tokenizer.Encode("a red zebra");
        Assert.Contains(TextTokenizer.UnkId, ids);
        Assert.Equal(Tokenizer.Encode("a red"), ids[..2]);
        string text = Tokenizer.Decode(ids);
        Assert.StartsWith("a red [UNK]", text);
    }

    [Theory]
    [InlineData("a red circle 🙂")]
    [InlineData("一个红色的圆")]
    [InlineData("красный круг")]
    [InlineData("a red circle ✓ on a blue background")]
    public void EmojiAndOtherScriptsAreAcceptedAsUnk(string prompt)
    {
        int[] ids = Tokenizer.Encode(prompt);
        Assert.Contains(TextTokenizer.UnkId, ids);
        Assert.All(ids, id => Assert.InRange(id, 1, Tokenizer.VocabSize - 1));
        Assert.Contains("[UNK]", Tokenizer.Decode(ids));
    }

    [Fact]
    public void OverLongPromptNamesTheLimitAndTheCount()
    {
        string prompt = string.Join(" ", Enumerable.Repeat("red", 40));
        var e = Assert.Throws<PromptTooLongException>(() => Tokenizer.Encode(prompt));
        Assert.Contains("prompt is 40 tokens long; the model's limit is 16 tokens.", e.Message);
        Assert.Equal("prompt", e.ParamName);
        Assert.Equal(40, e.TokenCount);
        Assert.Equal(16, e.MaxLength);
        Assert.IsAssignableFrom<ArgumentException>(e);
        Assert.Throws<PromptTooLongException>(() => Tokenizer.EncodePadded(prompt));

        // Exactly at the limit is fine.
        Assert.Equal(16, Tokenizer.Encode(string.Join(" ", Enumerable.Repeat("red", 16))).Length);
    }

    // Built in code, not [InlineData]: test discovery serializes arguments as UTF-8, which turns a
    // lone surrogate into U+FFFD and would test nothing.
    static readonly string[] BadPrompts =
    [
        "", "   ", "\t\r\n",
        "a red\u0000circle", "a \u001b[31mred circle", "red circle\u007f", "\u0007",
        "a \uD83D circle", "a \uDE00 circle", "circle \uD83D", "\uDE00\uD83D",
    ];

    [Fact]
    public void BadPromptsAreRejectedNamingPrompt()
    {
        foreach (string prompt in BadPrompts)
        {
            string shown = string.Concat(prompt.Select(c => $"\\u{(int)c:X4}"));
            var e = Assert.Throws<ArgumentException>(() => Tokenizer.Encode(prompt));
            Assert.True(e.ParamName == "prompt", $"ParamName is '{e.ParamName}' for {shown}");
            Assert.Contains("prompt", e.Message);
            Assert.Throws<ArgumentException>(() => Tokenizer.EncodePadded(prompt));
        }
    }

    [Fact]
    public void SurrogatePairsAndOrdinaryWhitespaceAreAccepted()
    {
        Assert.NotEmpty(Tokenizer.Encode("a red circle \uD83D\uDE00"));   // 😀, a valid pair
        Assert.Equal(Tokenizer.Encode("a red circle"), Tokenizer.Encode("a\u00A0red\u2003circle\u0085"));
    }

    [Fact]
    public void NullPromptIsRejectedNamingPrompt()
    {
        var e = Assert.Throws<ArgumentNullException>(() => Tokenizer.Encode(null!));
        Assert.Equal("prompt", e.ParamName);
    }

    [Fact]
    public void EncodePaddedFillsTheContextWithPad()
    {
        string caption = Captions[1];
        int[] ids = Tokenizer.Encode(caption);
        long[] padded = Tokenizer.EncodePadded(caption);
        Assert.Equal(Tokenizer.MaxLength, padded.Length);
        Assert.Equal(ids.Select(i => (long)i), padded[..ids.Length]);
        Assert.All(padded[ids.Length..], id => Assert.Equal(TextTokenizer.PadId, id));
        Assert.Equal(caption, Tokenizer.Decode(padded.Select(i => (int)i)));
    }

    [Fact]
    public void DecodeRejectsIdsOutsideTheVocabulary()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Tokenizer.Decode([2, Tokenizer.VocabSize]));
        Assert.Throws<ArgumentOutOfRangeException>(() => Tokenizer.Decode([-1]));
        Assert.Equal("", Tokenizer.Decode([]));
        Assert.Equal("[UNK]", Tokenizer.Decode([TextTokenizer.PadId, TextTokenizer.UnkId, TextTokenizer.PadId]));
    }

    [Fact]
    public void BuildIsDeterministicRegardlessOfCaptionOrder()
    {
        var reversed = TextTokenizer.Build(Captions.Reverse(), maxLength: 16);
        var repeated = TextTokenizer.Build([.. Captions, .. Captions, Captions[0].ToUpperInvariant()], maxLength: 16);
        Assert.Equal(Tokenizer.BpeIds, reversed.BpeIds);
        Assert.Equal(Tokenizer.BpeIds, repeated.BpeIds);
        foreach (var caption in Captions)
            Assert.Equal(Tokenizer.Encode(caption), reversed.Encode(caption));

        Tokenizer.Save(FileIn("a.json"));
        reversed.Save(FileIn("b.json"));
        Assert.Equal(File.ReadAllBytes(FileIn("a.json")), File.ReadAllBytes(FileIn("b.json")));
    }

    [Fact]
    public void BuildRejectsCaptionsThatDoNotFit()
    {
        var tooLong = Assert.Throws<ArgumentException>(() => TextTokenizer.Build(Captions, maxLength: 5));
        Assert.Contains("captions[0]", tooLong.Message);
        Assert.Contains("maxLength is 5", tooLong.Message);
        var blank = Assert.Throws<ArgumentException>(() => TextTokenizer.Build(["a red circle", " "], maxLength: 8));
        Assert.Contains("captions[1]", blank.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => TextTokenizer.Build(Captions, maxLength: 0));
    }

    [Fact]
    public void EncodingIsThreadSafe()
    {
        var expected = Captions.Select(Tokenizer.Encode).ToArray();
        Parallel.For(0, 300, i =>
        {
            int k = i % Captions.Length;
            Assert.Equal(expected[k], Tokenizer.Encode(Captions[k]));
            Assert.Equal(Captions[k], Tokenizer.Decode(expected[k]));
        });
    }

    [Fact]
    public void SaveAndLoadRoundTrip()
    {
        string path = FileIn("vocab.json");
        Tokenizer.Save(path);

        using (var doc = JsonDocument.Parse(File.ReadAllBytes(path)))
        {
            var root = doc.RootElement;
            Assert.Equal("dalle-orleans-vocab-v1", root.GetProperty("format").GetString());
            Assert.Equal(16, root.GetProperty("maxLength").GetInt32());
            Assert.Equal("cl100k_base", root.GetProperty("bpe").GetString());
            Assert.Equal(Tokenizer.BpeIds, root.GetProperty("ids").EnumerateArray().Select(e => e.GetInt32()));
        }

        var loaded = TextTokenizer.Load(path);
        Assert.Equal(Tokenizer.VocabSize, loaded.VocabSize);
        Assert.Equal(Tokenizer.MaxLength, loaded.MaxLength);
        Assert.Equal(Tokenizer.BpeIds, loaded.BpeIds);
        foreach (var caption in Captions)
            Assert.Equal(Tokenizer.EncodePadded(caption), loaded.EncodePadded(caption));
        Assert.Equal(new[] { "vocab.json" }, Directory.GetFiles(_folder).Select(Path.GetFileName));
    }

    [Fact]
    public void MissingVocabularyFileIsReported()
    {
        string path = FileIn("absent.json");
        var e = Assert.Throws<FileNotFoundException>(() => TextTokenizer.Load(path));
        Assert.Contains(path, e.Message);
    }

    [Theory]
    [InlineData("", "not valid JSON")]
    [InlineData("not json", "not valid JSON")]
    [InlineData("[1, 2]", "not an object")]
    [InlineData("""{"maxLength":32,"bpe":"cl100k_base","ids":[1]}""", "no string 'format'")]
    [InlineData("""{"format":"other-v9","maxLength":32,"bpe":"cl100k_base","ids":[1]}""", "format is 'other-v9'")]
    [InlineData("""{"format":"dalle-orleans-vocab-v1","maxLength":32,"bpe":"gpt2","ids":[1]}""", "uses BPE 'gpt2'")]
    [InlineData("""{"format":"dalle-orleans-vocab-v1","maxLength":0,"bpe":"cl100k_base","ids":[1]}""", "maxLength is 0")]
    [InlineData("""{"format":"dalle-orleans-vocab-v1","maxLength":-3,"bpe":"cl100k_base","ids":[1]}""", "maxLength is -3")]
    [InlineData("""{"format":"dalle-orleans-vocab-v1","maxLength":"32","bpe":"cl100k_base","ids":[1]}""", "no integer 'maxLength'")]
    [InlineData("""{"format":"dalle-orleans-vocab-v1","maxLength":32,"bpe":"cl100k_base"}""", "no array 'ids'")]
    [InlineData("""{"format":"dalle-orleans-vocab-v1","maxLength":32,"bpe":"cl100k_base","ids":[5,5]}""", "appears twice")]
    [InlineData("""{"format":"dalle-orleans-vocab-v1","maxLength":32,"bpe":"cl100k_base","ids":[9,5]}""", "ascending")]
    [InlineData("""{"format":"dalle-orleans-vocab-v1","maxLength":32,"bpe":"cl100k_base","ids":[-1]}""", "not a cl100k_base token")]
    [InlineData("""{"format":"dalle-orleans-vocab-v1","maxLength":32,"bpe":"cl100k_base","ids":[999999]}""", "not a cl100k_base token")]
    [InlineData("""{"format":"dalle-orleans-vocab-v1","maxLength":32,"bpe":"cl100k_base","ids":["a"]}""", "not an integer")]
    public void CorruptVocabularyFilesAreReported(string content, string expected)
    {
        string path = FileIn("corrupt.json");
        File.WriteAllText(path, content);
        var e = Assert.Throws<InvalidDataException>(() => TextTokenizer.Load(path));
        Assert.Contains(path, e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void EmptyVocabularyStillWorksAsAllUnk()
    {
        string path = FileIn("empty.json");
        File.WriteAllText(path, """{"format":"dalle-orleans-vocab-v1","maxLength":4,"bpe":"cl100k_base","ids":[]}""");
        var empty = TextTokenizer.Load(path);
        Assert.Equal(2, empty.VocabSize);
        Assert.All(empty.Encode("red circle"), id => Assert.Equal(TextTokenizer.UnkId, id));
    }
}
