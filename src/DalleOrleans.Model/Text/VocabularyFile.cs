using System.Text.Json;
using System.Text.Unicode;

namespace DalleOrleans.Model.Text;

/// <summary>
/// Reads and writes a <see cref="TextTokenizer"/>'s vocabulary as JSON:
/// <c>{"format":"dalle-orleans-vocab-v1","maxLength":32,"bpe":"cl100k_base","ids":[...]}</c>.
/// </summary>
/// <remarks>
/// The file ships beside the model checkpoint; the two must agree, because a compact id is a row of
/// the text embedding. Every field is checked on load so a wrong or damaged file fails at start-up
/// with its name and the problem, not later as garbage images.
/// </remarks>
public static class VocabularyFile
{
    /// <summary>The value of the "format" field.</summary>
    public const string Format = "dalle-orleans-vocab-v1";

    /// <summary>Writes the vocabulary, replacing <paramref name="path"/> atomically.</summary>
    public static void Save(string path, TextTokenizer tokenizer)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(tokenizer);
        string full = Path.GetFullPath(path);
        string directory = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(directory);
        string temp = Path.Combine(directory, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write))
            using (var writer = new Utf8JsonWriter(stream))
            {
                writer.WriteStartObject();
                writer.WriteString("format", Format);
                writer.WriteNumber("maxLength", tokenizer.MaxLength);
                writer.WriteString("bpe", Cl100k.EncodingName);
                writer.WriteStartArray("ids");
                foreach (int id in tokenizer.BpeIds) writer.WriteNumberValue(id);
                writer.WriteEndArray();
                writer.WriteEndObject();
            }
            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            try { File.Delete(temp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            throw;
        }
    }

    /// <summary>Reads and validates a vocabulary file.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a valid vocabulary file.</exception>
    public static TextTokenizer Load(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!File.Exists(path))
            throw new FileNotFoundException($"vocabulary file '{path}' does not exist.", path);

        byte[] bytes = File.ReadAllBytes(path);
        // Checked up front because the JSON reader only notices bad UTF-8 when a string is read.
        if (!Utf8.IsValid(bytes))
            throw Invalid(path, "it is not UTF-8 text.");
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(bytes);
        }
        catch (Exception e) when (e is JsonException or ArgumentException)
        {
            throw Invalid(path, $"it is not valid JSON: {e.Message}", e);
        }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw Invalid(path, $"it is JSON {root.ValueKind}, not an object.");

            string format = RequireString(path, root, "format");
            if (format != Format)
                throw Invalid(path, $"its format is '{format}'; this version reads '{Format}'.");
            string bpe = RequireString(path, root, "bpe");
            if (bpe != Cl100k.EncodingName)
                throw Invalid(path, $"it uses BPE '{bpe}'; only '{Cl100k.EncodingName}' is supported.");

            if (!root.TryGetProperty("maxLength", out var maxElement) || maxElement.ValueKind != JsonValueKind.Number || !maxElement.TryGetInt32(out int maxLength))
                throw Invalid(path, "it has no integer 'maxLength'.");
            if (maxLength <= 0)
                throw Invalid(path, $"its maxLength is {maxLength}; it must be at least 1.");

            if (!root.TryGetProperty("ids", out var idsElement) || idsElement.ValueKind != JsonValueKind.Array)
                throw Invalid(path, "it has no array 'ids'.");
            var ids = new List<int>(idsElement.GetArrayLength());
            foreach (var item in idsElement.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt32(out int id))
                    throw Invalid(path, $"'ids' holds {item.GetRawText()}, which is not an integer.");
                ids.Add(id);
            }
            try
            {
                return TextTokenizer.FromBpeIds(ids, maxLength);
            }
            catch (ArgumentException e)
            {
                throw Invalid(path, e.Message, e);
            }
        }
    }

    static string RequireString(string path, JsonElement root, string field)
    {
        if (!root.TryGetProperty(field, out var element) || element.ValueKind != JsonValueKind.String)
            throw Invalid(path, $"it has no string '{field}'.");
        return element.GetString()!;
    }

    static InvalidDataException Invalid(string path, string problem, Exception? inner = null) =>
        new($"vocabulary file '{path}' is invalid: {problem}", inner);
}
