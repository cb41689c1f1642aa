using System.Text;

namespace DalleOrleans.Web.Tests.Fuzz;

/// <summary>One generated request: what to send, and (for the report) which kind of mutation made it.</summary>
public sealed record FuzzRequest(string Kind, HttpMethod Method, string Path, byte[]? Body, string? ContentType, IReadOnlyList<(string Name, string Value)> Headers);

/// <summary>
/// Generates HTTP requests for the API from a seed: valid generation bodies and mutations of them (bytes flipped,
/// cut, spliced; fields renamed, retyped, duplicated, nested; extreme numbers; odd strings), random bytes, and odd
/// methods, paths, content types and headers. Valid bodies ask for at most 2 candidates, so the ones that do
/// generate stay cheap.
/// </summary>
public sealed class RequestFuzzer(int seed)
{
    readonly Random _random = new(seed);

    static readonly string[] Fields = { "prompt", "candidates", "top", "seed", "temperature", "topK", "topP", "guidance" };
    static readonly string[] Prompts =
    {
        "a red circle", "small green square at the bottom", "blue circle on black", "🔴 ✨", "красный круг", "赤い円",
        "", " ", "a\u0000b", "a\u001b[31mred", "\ud800", "x\udc00y", new string('a', 300), "'; DROP TABLE x; --", "<script>alert(1)</script>",
        "%s%s%n", "\\u0000", "a\tb\nc", "null", "{\"prompt\":1}",
    };
    static readonly string[] Numbers =
    {
        "0", "-1", "1", "2", "4", "64", "65", "-0", "0.5", "1e308", "1e309", "-1e309", "2147483647", "2147483648", "-2147483649",
        "9007199254740991", "9007199254740992", "9223372036854775807", "99999999999999999999999", "1.0000000000000002",
        "NaN", "Infinity", "\"NaN\"", "\"Infinity\"", "\"-Infinity\"", "\"4\"", "true", "null", "[]", "{}", "\"\"", "0x10", "1_000",
    };
    static readonly string[] ContentTypes =
    {
        "application/json", "application/json; charset=utf-8", "application/json; charset=utf-16", "application/problem+json",
        "application/merge-patch+json", "text/plain", "text/json", "application/x-www-form-urlencoded", "multipart/form-data; boundary=zz",
        "application/octet-stream", "application/jsonx", "*/*", "application/", ";;;", "application/json; charset=\"\"",
    };
    static readonly HttpMethod[] Methods =
    {
        HttpMethod.Get, HttpMethod.Post, HttpMethod.Put, HttpMethod.Delete, HttpMethod.Patch, HttpMethod.Head, HttpMethod.Options,
        new("PROPFIND"), new("TRACE"), new("FOO"),
    };
    static readonly string[] Junk = { "..", "%2e%2e", "%00", "%ff", "%", "~", "$", ";", "{id}", "\u00e9", "%E2%80%AE", "..%2f", "//", "?", "#" };

    public FuzzRequest Next(IReadOnlyList<string> knownIds)
    {
        int roll = _random.Next(100);
        if (roll < 45) return Post("mutated body", Mutate(ValidBody()));
        if (roll < 55) return Post("valid body", Encoding.UTF8.GetBytes(ValidBody()));
        if (roll < 65) return Post("structured junk", Encoding.UTF8.GetBytes(StructuredJunk()));
        if (roll < 70) return Post("random bytes", RandomBytes(_random.Next(0, 2048)));
        if (roll < 90) return new FuzzRequest("read", Pick(Methods.Take(2).Concat(new[] { HttpMethod.Head }).ToArray()), ReadPath(knownIds), null, null, Headers());
        var method = Pick(Methods);
        var body = _random.Next(2) == 0 ? null : Encoding.UTF8.GetBytes(ValidBody());
        return new FuzzRequest("odd method/path", method, _random.Next(3) == 0 ? "/api/generations" : ReadPath(knownIds), body,
            body is null ? null : Pick(ContentTypes), Headers());
    }

    FuzzRequest Post(string kind, byte[] body) =>
        new(kind, HttpMethod.Post, _random.Next(20) == 0 ? "/api/generations/" : "/api/generations", body,
            _random.Next(5) == 0 ? Pick(ContentTypes) : "application/json", Headers());

    /// <summary>
    /// A valid body from a small set of requests (6 prompts × 2 seeds, 1 or 2 candidates, at most one sampling option
    /// from two values each), so accepted bodies mostly join or hit earlier generations: the run exercises the
    /// API, not the device, and stays short on a busy machine.
    /// </summary>
    string ValidBody()
    {
        int candidates = _random.Next(1, 3);
        var parts = new List<string>
        {
            $"\"prompt\":{Str(Pick(Prompts.Take(6).ToArray()))}", $"\"candidates\":{candidates}", $"\"seed\":{_random.Next(2)}",
        };
        if (_random.Next(2) == 0) parts.Add($"\"top\":{_random.Next(1, candidates + 1)}");
        if (_random.Next(4) == 0)
            parts.Add(Pick(new[] { "\"temperature\":0.8", "\"topK\":8", "\"topP\":0.9", "\"guidance\":2" }));
        return "{" + string.Join(",", parts.OrderBy(_ => _random.Next())) + "}";
    }

    byte[] Mutate(string json)
    {
        switch (_random.Next(10))
        {
            case 0: // flip a few bytes
            {
                var bytes = Encoding.UTF8.GetBytes(json);
                for (int i = _random.Next(1, 4); i > 0; i--) bytes[_random.Next(bytes.Length)] = (byte)_random.Next(256);
                return bytes;
            }
            case 1: // cut
                return Encoding.UTF8.GetBytes(json[.._random.Next(json.Length)]);
            case 2: // a field set to an odd value
                return Encoding.UTF8.GetBytes(json.TrimEnd('}') + $",\"{Pick(Fields)}\":{Pick(Numbers)}}}");
            case 3: // an odd prompt
                return Encoding.UTF8.GetBytes($"{{\"prompt\":{Str(Pick(Prompts))},\"candidates\":{Pick(Numbers)}}}");
            case 4: // unknown, misspelt or differently cased field
                return Encoding.UTF8.GetBytes(json.TrimEnd('}') + $",{Str(Pick(new[] { "Prompt", "PROMPT", "prompts", "", "\u0000", "candidate", "seed ", "top_k", "x" }))}:1}}");
            case 5: // wrapped or nested
                return Encoding.UTF8.GetBytes(Pick(new[] { $"[{json}]", $"{{\"request\":{json}}}", $"{json}{json}", $"{json} trailing", $"\ufeff{json}", $"  {json}  " }));
            case 6: // deep nesting in a field
                int depth = _random.Next(1, 200);
                return Encoding.UTF8.GetBytes(json.TrimEnd('}') + ",\"seed\":" + new string('[', depth) + new string(']', depth) + "}");
            case 7: // a very long string
                return Encoding.UTF8.GetBytes($"{{\"prompt\":\"{new string('b', _random.Next(1000, 20000))}\"}}");
            case 8: // comments and other JSON5-isms
                return Encoding.UTF8.GetBytes(Pick(new[] { "{/*c*/\"prompt\":\"a\"}", "{\"prompt\":'a'}", "{prompt:\"a\"}", "{\"prompt\":\"a\",}", "{\"prompt\":\"a\"\n//x\n}" }));
            default: // splice a random slice in
            {
                int at = _random.Next(json.Length);
                return Encoding.UTF8.GetBytes(json[..at] + Pick(new[] { "\"", "{", "}", ",", ":", "\\", "\\u", "\\ud83d", "\u2028", "null" }) + json[at..]);
            }
        }
    }

    string StructuredJunk() => Pick(new[]
    {
        "null", "true", "0", "\"\"", "[]", "{}", "{\"prompt\":{}}", "{\"prompt\":[]}", "{\"prompt\":\"a\",\"prompt\":\"b\"}",
        "{\"prompt\":\"a\",\"candidates\":{\"$gt\":0}}", new string('{', 1000), new string('[', 5000) + new string(']', 5000),
        "{\"" + new string('k', 5000) + "\":1}", "\"" + new string('s', 10000) + "\"",
    });

    string ReadPath(IReadOnlyList<string> knownIds)
    {
        string id = _random.Next(4) switch
        {
            0 when knownIds.Count > 0 => knownIds[_random.Next(knownIds.Count)],
            1 => RandomHex(64),
            2 => RandomHex(_random.Next(0, 70)),
            _ => string.Concat(Enumerable.Range(0, _random.Next(1, 6)).Select(_ => Pick(Junk))),
        };
        return _random.Next(8) switch
        {
            0 => $"/api/generations/{id}/events",
            1 => $"/api/generations/{id}/images/{Pick(new[] { "1", "0", "-1", "2", "99999999999", "x", "1.5", "%00" })}.png" +
                 Pick(new[] { "", "?download=true", "?download=1", "?download=%00", "?download=true&download=false" }),
            2 => Pick(new[] { "/", "/app.js", "/app.css", "/openapi/v1.json", "/api/health", "/index.html", "/api", "/api/" }),
            3 => "/" + string.Concat(Enumerable.Range(0, _random.Next(1, 8)).Select(_ => Pick(Junk) + "/")),
            4 => "/api/generations/" + id + "/" + Pick(Junk),
            5 => "/api/generations/" + new string('a', _random.Next(100, 4000)),
            _ => $"/api/generations/{id}",
        };
    }

    List<(string, string)> Headers()
    {
        var headers = new List<(string, string)>();
        if (_random.Next(3) == 0) headers.Add(("Accept", Pick(new[] { "*/*", "application/json", "text/event-stream", "image/png", "text/html;q=0.1", "garbage" })));
        if (_random.Next(6) == 0) headers.Add(("X-Api-Key", Pick(new[] { "", "x", new string('k', 2000), "key key" })));
        if (_random.Next(6) == 0) headers.Add(("Accept-Encoding", Pick(new[] { "gzip", "br", "identity;q=0", "*" })));
        if (_random.Next(8) == 0) headers.Add(("X-Forwarded-For", "10.0.0." + _random.Next(256)));
        if (_random.Next(8) == 0) headers.Add(("Range", Pick(new[] { "bytes=0-1", "bytes=-5", "bytes=9999999-", "items=1" })));
        if (_random.Next(8) == 0) headers.Add(("If-None-Match", "\"" + RandomHex(8) + "\""));
        if (_random.Next(10) == 0) headers.Add(("X-Junk-" + _random.Next(100), new string('j', _random.Next(0, 4000))));
        return headers;
    }

    string RandomHex(int length) => string.Concat(Enumerable.Range(0, length).Select(_ => "0123456789abcdefABCDEF"[_random.Next(_random.Next(4) == 0 ? 22 : 16)]));

    byte[] RandomBytes(int length)
    {
        var bytes = new byte[length];
        _random.NextBytes(bytes);
        return bytes;
    }

    T Pick<T>(IReadOnlyList<T> items) => items[_random.Next(items.Count)];

    static string Str(string s) => System.Text.Json.JsonSerializer.Serialize(s);
}
