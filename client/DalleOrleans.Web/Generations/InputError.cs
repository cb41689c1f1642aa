namespace DalleOrleans.Web.Generations;

/// <summary>
/// Turns a validation <see cref="ArgumentException"/> into the JSON field it is about and a message without .NET's
/// " (Parameter 'x')" suffix. The model library's messages start with the field as a user writes it ("top-k is 99; …").
/// </summary>
public static class InputError
{
    /// <summary>The request body's field names, as the API documents them.</summary>
    public static readonly IReadOnlyList<string> Fields =
        new[] { "prompt", "candidates", "top", "seed", "temperature", "topK", "topP", "guidance" };

    public static (string? Field, string Message) Describe(ArgumentException e)
    {
        string message = e.Message;
        if (e.ParamName is not null)
        {
            string suffix = $" (Parameter '{e.ParamName}')";
            if (message.EndsWith(suffix, StringComparison.Ordinal)) message = message[..^suffix.Length];
        }
        string? field = FieldOf(e.ParamName) ?? FieldOf(message.Split(' ', 2)[0]);
        return (field, message);
    }

    /// <summary>Maps a parameter name or a message's first word to the body's field name; null when it is none.</summary>
    static string? FieldOf(string? word) => word switch
    {
        null => null,
        "top-k" => "topK",
        "top-p" => "topP",
        "guidanceScale" or "guidance-scale" => "guidance",
        _ => Fields.FirstOrDefault(f => string.Equals(f, word, StringComparison.OrdinalIgnoreCase)),
    };
}
