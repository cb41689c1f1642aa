namespace DalleOrleans.Web.Api;

/// <summary>RFC 7807 problem details for every error the API answers; clients get application/problem+json.</summary>
public static class Problems
{
    /// <summary>
    /// 400 naming the offending field (in "field" and in a validation-style "errors" map), and the model's limit it
    /// crossed ("limit") when there is one.
    /// </summary>
    public static IResult BadInput(string? field, string detail, string title = "Invalid generation request", int? limit = null)
    {
        if (field is null) return Results.Problem(detail: detail, statusCode: StatusCodes.Status400BadRequest, title: title);
        var extensions = new Dictionary<string, object?>
        {
            ["field"] = field,
            ["errors"] = new Dictionary<string, string[]> { [field] = new[] { detail } },
        };
        if (limit is not null) extensions["limit"] = limit;
        return Results.Problem(detail: detail, statusCode: StatusCodes.Status400BadRequest, title: title, extensions: extensions);
    }

    public static IResult BadId(string id) =>
        BadInput("id", $"id '{Shorten(id)}' is not a generation id; ids are 64 lowercase hexadecimal digits.", "Invalid generation id");

    public static IResult UnknownId(string id) =>
        Results.Problem(detail: $"no generation with id {id} is known to this front end (it may have been evicted; post the request again).",
            statusCode: StatusCodes.Status404NotFound, title: "Generation not found");

    public static IResult Status(int status, string title, string detail, string? field = null) =>
        Results.Problem(detail: detail, statusCode: status, title: title,
            extensions: field is null ? null : new Dictionary<string, object?> { ["field"] = field });

    /// <summary>Echoing input back is useful, but not a whole megabyte of it.</summary>
    static string Shorten(string s) => s.Length <= 80 ? s : s[..80] + "…";
}
