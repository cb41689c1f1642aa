using System.Text.Json;
using System.Text.Json.Serialization;

namespace DalleOrleans.Web.Api;

/// <summary>The API's JSON conventions, shared by responses and server-sent events so both look alike.</summary>
public static class ApiJson
{
    public static readonly JsonSerializerOptions Options = Apply(new JsonSerializerOptions(JsonSerializerDefaults.Web));

    /// <summary>Applied to ASP.NET Core's own JSON options too, so typed results serialize the same way.</summary>
    public static JsonSerializerOptions Apply(JsonSerializerOptions options)
    {
        // Scores and timings are floats: a NaN must not turn a finished generation into a 500.
        options.NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals;
        // Nulls are written ("result": null while running), as the generated OpenAPI document describes every property
        // of a view as present (required) and nullable where it may be null.
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase));
        return options;
    }

    /// <summary>
    /// Reading request bodies: strict numbers ("8" is not 8) and case-insensitive names. Unknown and duplicate fields
    /// are caught before this is used, with messages that name them.
    /// </summary>
    public static readonly JsonSerializerOptions Input = new(JsonSerializerDefaults.Web)
    {
        NumberHandling = JsonNumberHandling.Strict,
    };
}
