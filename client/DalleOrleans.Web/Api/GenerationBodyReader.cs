using System.Text.Json;
using DalleOrleans.Abstractions;
using DalleOrleans.Model.Generation;
using DalleOrleans.Model.Sampling;
using DalleOrleans.Web.Generations;

namespace DalleOrleans.Web.Api;

/// <summary>
/// Reads POST /api/generations bodies by hand rather than through minimal-API binding, so that every kind of bad
/// input (wrong content type, too large, not JSON, unknown or duplicate field, wrong type, missing prompt) becomes a
/// problem response that names the field, and none of them can surface as a 500.
/// </summary>
public static class GenerationBodyReader
{
    /// <summary>What each field must hold, for type errors (range errors come from the model's validation).</summary>
    static readonly Dictionary<string, string> Expected = new(StringComparer.Ordinal)
    {
        ["prompt"] = "a non-empty string",
        ["candidates"] = $"a whole number between 1 and {ImageRequest.MaxCandidates}",
        ["top"] = "a whole number between 1 and candidates",
        ["seed"] = $"a whole number between 0 and {ImageRequest.MaxSeed}",
        ["temperature"] = $"a number in (0, {SamplingOptions.MaxTemperature}]",
        ["topK"] = "a whole number from 0 (off) up to the model's image vocabulary size",
        ["topP"] = "a number in (0, 1]",
        ["guidance"] = $"a number in [0, {SamplingOptions.MaxGuidance}] (1 = off)",
    };

    public static async Task<(GenerationRequest? Request, IResult? Problem)> ReadAsync(HttpRequest http, int maxBytes, CancellationToken cancellation)
    {
        if (!http.HasJsonContentType())
            return (null, Problems.Status(StatusCodes.Status415UnsupportedMediaType, "Unsupported content type",
                $"the body must be JSON: send Content-Type: application/json (got '{http.ContentType ?? "none"}')."));
        if (http.ContentLength > maxBytes) return (null, TooLarge(http, maxBytes));

        byte[]? bytes;
        try
        {
            bytes = await ReadCappedAsync(http.Body, maxBytes, cancellation);
        }
        catch (BadHttpRequestException e)
        {
            return (null, Problems.Status(e.StatusCode, "Unreadable request body", e.Message));
        }
        if (bytes is null) return (null, TooLarge(http, maxBytes));
        if (bytes.Length == 0) return (null, Problems.BadInput("prompt", "the body is empty; send a JSON object with at least \"prompt\"."));

        // JsonDocument checks structure, not text: invalid UTF-8 would only throw later, when a string is read.
        if (!System.Text.Unicode.Utf8.IsValid(bytes))
            return (null, Problems.BadInput(null, "the body is not valid UTF-8 text; send JSON encoded as UTF-8.", "Malformed JSON"));

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(bytes, new JsonDocumentOptions { MaxDepth = 16 });
        }
        catch (JsonException e)
        {
            // Name the field when the broken value is one of ours ("temperature": NaN): the caller learns what to fix.
            string? field = FieldBeforeError(bytes);
            return (null, field is not null && Expected.TryGetValue(field, out var expected)
                ? Problems.BadInput(field, $"{field} is not valid JSON ({e.Message}); {field} must be {expected}.", "Malformed JSON")
                : Problems.BadInput(null, $"the body is not valid JSON: {e.Message}", "Malformed JSON"));
        }
        using (document)
        {
            return Bind(document.RootElement);
        }
    }

    static (GenerationRequest?, IResult?) Bind(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
            return (null, Problems.BadInput(null, $"the body must be a JSON object, not {Describe(root.ValueKind)}.", "Malformed request"));

        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var property in root.EnumerateObject())
        {
            if (!TryName(property, out _))
                return (null, Problems.BadInput(null, "a field name is not valid text (an unpaired UTF-16 surrogate escape).", "Malformed request"));
            string? field = InputError.Fields.FirstOrDefault(f => string.Equals(f, property.Name, StringComparison.OrdinalIgnoreCase));
            if (field is null)
                return (null, Problems.BadInput(property.Name,
                    $"'{Clip(property.Name)}' is not a field of a generation request; the fields are {string.Join(", ", InputError.Fields)}."));
            if (!seen.Add(field))
                return (null, Problems.BadInput(field, $"{field} appears more than once in the body."));
        }

        GenerationBody? body;
        try
        {
            body = root.Deserialize<GenerationBody>(ApiJson.Input);
        }
        catch (JsonException e) when (e.InnerException is InvalidOperationException { Message: var m } && m.Contains("UTF-16"))
        {
            // An escaped lone surrogate ("\ud800") is valid JSON but not valid text.
            string field = FieldOf(e.Path);
            return (null, Problems.BadInput(field, $"{field} is not valid text: it holds an unpaired UTF-16 surrogate escape; send well-formed Unicode."));
        }
        catch (JsonException e)
        {
            string field = FieldOf(e.Path);
            return (null, Problems.BadInput(field,
                Expected.TryGetValue(field, out var expected) ? $"{field} must be {expected}." : $"{field} has the wrong type."));
        }
        if (body?.Prompt is null)
            return (null, Problems.BadInput("prompt", "prompt is missing; it must be a non-empty string describing the image."));
        return (body.ToRequest(), null);
    }

    /// <summary>Reading a name unescapes it, which throws for an escaped lone surrogate ("\ud800").</summary>
    static bool TryName(JsonProperty property, out string name)
    {
        try
        {
            name = property.Name;
            return true;
        }
        catch (InvalidOperationException)
        {
            name = "";
            return false;
        }
    }

    /// <summary>The top-level property whose value the JSON reader was on when the body stopped being JSON.</summary>
    static string? FieldBeforeError(byte[] bytes)
    {
        var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { MaxDepth = 16 });
        string? last = null;
        try
        {
            while (reader.Read())
                if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == 1) last = reader.GetString();
            return null;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            return last is null ? null : InputError.Fields.FirstOrDefault(f => string.Equals(f, last, StringComparison.OrdinalIgnoreCase));
        }
    }

    /// <summary>Copies at most <paramref name="maxBytes"/>; null when the body is longer (chunked bodies carry no length).</summary>
    static async Task<byte[]?> ReadCappedAsync(Stream body, int maxBytes, CancellationToken cancellation)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[4096];
        int read;
        while ((read = await body.ReadAsync(chunk, cancellation)) > 0)
        {
            if (buffer.Length + read > maxBytes) return null;
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }

    /// <summary>
    /// 413, and the connection closes after it: the rest of the body is never read, so the connection could not carry
    /// another request (a client reusing it would see its next response end prematurely).
    /// </summary>
    static IResult TooLarge(HttpRequest http, int maxBytes)
    {
        http.HttpContext.Response.Headers.Connection = "close";
        return TooLargeProblem(maxBytes);
    }

    static IResult TooLargeProblem(int maxBytes) =>
        Problems.Status(StatusCodes.Status413PayloadTooLarge, "Request body too large", $"the body must be at most {maxBytes} bytes.");

    /// <summary>"$.candidates" → "candidates"; the deserializer reports the path of the value it could not read.</summary>
    static string FieldOf(string? path)
    {
        string name = (path ?? "").TrimStart('$', '.').Trim('[', ']', '\'');
        return InputError.Fields.FirstOrDefault(f => string.Equals(f, name, StringComparison.OrdinalIgnoreCase)) ?? "body";
    }

    static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Array => "an array", JsonValueKind.String => "a string", JsonValueKind.Number => "a number",
        JsonValueKind.Null => "null", _ => "a boolean",
    };

    static string Clip(string s) => s.Length <= 64 ? s : s[..64] + "…";
}
