using System.Text.Json;
using System.Text.RegularExpressions;

namespace DalleOrleans.Web.Tests;

/// <summary>
/// Validates a JSON value against a schema of an OpenAPI 3.1 document: the subset of JSON Schema the generated document
/// uses ($ref into the document, allOf/anyOf/oneOf, type (one or several), enum, const, pattern, properties, required,
/// additionalProperties, items, minimum/maximum, minLength/maxLength). Anything else in a schema is an annotation here.
/// Returns the violations, each with the JSON path of the offending value (empty when the value conforms).
/// </summary>
public sealed class SchemaChecker(JsonElement document)
{
    public List<string> Check(JsonElement schema, JsonElement value)
    {
        var errors = new List<string>();
        Check(schema, value, "$", errors, depth: 0);
        return errors;
    }

    /// <summary>The schema a "#/a/b/c" reference names.</summary>
    public JsonElement Resolve(string reference)
    {
        if (!reference.StartsWith("#/", StringComparison.Ordinal)) throw new NotSupportedException($"only local references are used: {reference}");
        var node = document;
        foreach (var part in reference[2..].Split('/'))
        {
            string name = part.Replace("~1", "/").Replace("~0", "~");
            if (!node.TryGetProperty(name, out node)) throw new KeyNotFoundException($"$ref {reference} does not resolve");
        }
        return node;
    }

    void Check(JsonElement schema, JsonElement value, string path, List<string> errors, int depth)
    {
        if (depth > 64) throw new InvalidOperationException($"schema recursion too deep at {path}");
        if (schema.ValueKind == JsonValueKind.True) return;
        if (schema.ValueKind == JsonValueKind.False) { errors.Add($"{path}: no value is allowed here"); return; }
        if (schema.TryGetProperty("$ref", out var reference)) Check(Resolve(reference.GetString()!), value, path, errors, depth + 1);

        if (schema.TryGetProperty("allOf", out var allOf))
            foreach (var part in allOf.EnumerateArray()) Check(part, value, path, errors, depth + 1);
        if (schema.TryGetProperty("anyOf", out var anyOf) && !anyOf.EnumerateArray().Any(part => Passes(part, value, path, depth)))
            errors.Add($"{path}: matches none of anyOf");
        if (schema.TryGetProperty("oneOf", out var oneOf))
        {
            int matches = oneOf.EnumerateArray().Count(part => Passes(part, value, path, depth));
            if (matches != 1) errors.Add($"{path}: matches {matches} of oneOf, not exactly one");
        }

        if (schema.TryGetProperty("type", out var type))
        {
            var allowed = type.ValueKind == JsonValueKind.Array ? type.EnumerateArray().Select(t => t.GetString()!).ToList() : [type.GetString()!];
            if (!allowed.Any(t => IsOfType(value, t)))
            {
                errors.Add($"{path}: {Describe(value)} is not of type {string.Join(" or ", allowed)}");
                return;
            }
        }
        if (schema.TryGetProperty("enum", out var values) && !values.EnumerateArray().Any(v => JsonElement.DeepEquals(v, value)))
            errors.Add($"{path}: {value.GetRawText()} is not one of {values.GetRawText()}");
        if (schema.TryGetProperty("const", out var constant) && !JsonElement.DeepEquals(constant, value))
            errors.Add($"{path}: {value.GetRawText()} is not {constant.GetRawText()}");

        switch (value.ValueKind)
        {
            case JsonValueKind.String:
                string text = value.GetString()!;
                if (schema.TryGetProperty("pattern", out var pattern) && !Regex.IsMatch(text, pattern.GetString()!))
                    errors.Add($"{path}: \"{text}\" does not match {pattern.GetString()}");
                if (schema.TryGetProperty("minLength", out var minLength) && text.Length < minLength.GetInt32())
                    errors.Add($"{path}: shorter than {minLength.GetInt32()}");
                if (schema.TryGetProperty("maxLength", out var maxLength) && text.Length > maxLength.GetInt32())
                    errors.Add($"{path}: longer than {maxLength.GetInt32()}");
                break;
            case JsonValueKind.Number:
                double number = value.GetDouble();
                if (schema.TryGetProperty("minimum", out var minimum) && number < minimum.GetDouble()) errors.Add($"{path}: {number} < minimum {minimum.GetDouble()}");
                if (schema.TryGetProperty("maximum", out var maximum) && number > maximum.GetDouble()) errors.Add($"{path}: {number} > maximum {maximum.GetDouble()}");
                break;
            case JsonValueKind.Array:
                if (schema.TryGetProperty("items", out var items))
                {
                    int i = 0;
                    foreach (var item in value.EnumerateArray()) Check(items, item, $"{path}[{i++}]", errors, depth + 1);
                }
                break;
            case JsonValueKind.Object:
                var properties = schema.TryGetProperty("properties", out var declared) ? declared : default;
                if (schema.TryGetProperty("required", out var required))
                    foreach (var name in required.EnumerateArray().Select(r => r.GetString()!))
                        if (!value.TryGetProperty(name, out _)) errors.Add($"{path}: required property '{name}' is missing");
                foreach (var property in value.EnumerateObject())
                {
                    if (properties.ValueKind == JsonValueKind.Object && properties.TryGetProperty(property.Name, out var propertySchema))
                        Check(propertySchema, property.Value, $"{path}.{property.Name}", errors, depth + 1);
                    else if (schema.TryGetProperty("additionalProperties", out var additional))
                        Check(additional, property.Value, $"{path}.{property.Name}", errors, depth + 1);
                }
                break;
        }
    }

    bool Passes(JsonElement schema, JsonElement value, string path, int depth)
    {
        var errors = new List<string>();
        Check(schema, value, path, errors, depth + 1);
        return errors.Count == 0;
    }

    static bool IsOfType(JsonElement value, string type) => type switch
    {
        "null" => value.ValueKind == JsonValueKind.Null,
        "boolean" => value.ValueKind is JsonValueKind.True or JsonValueKind.False,
        "object" => value.ValueKind == JsonValueKind.Object,
        "array" => value.ValueKind == JsonValueKind.Array,
        "string" => value.ValueKind == JsonValueKind.String,
        "number" => value.ValueKind == JsonValueKind.Number,
        "integer" => value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out _),
        _ => throw new NotSupportedException($"unknown JSON schema type '{type}'"),
    };

    static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => $"string \"{value.GetString()}\"",
        _ => value.ValueKind.ToString().ToLowerInvariant() + " " + Clip(value.GetRawText()),
    };

    static string Clip(string s) => s.Length <= 60 ? s : s[..60] + "…";
}
