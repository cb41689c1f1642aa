namespace DalleOrleans.Training.Cli;

/// <summary>
/// The model library's validation messages name fields ("candidates is 0; ..."); on the command line the same
/// field is an option, so the message is rewritten to name it as typed ("--candidates is 0; ...").
/// </summary>
public static class OptionErrors
{
    public static void Rethrow(Action validate)
    {
        try
        {
            validate();
        }
        catch (ArgumentException e)
        {
            throw AsOption(e);
        }
    }

    public static ArgumentException AsOption(ArgumentException e)
    {
        string message = e.ParamName is null ? e.Message : e.Message.Replace($" (Parameter '{e.ParamName}')", "");
        // The prompt is a positional argument, and messages that already name an option stay as they are.
        if (e.ParamName is null or "prompt" || message.StartsWith("--", StringComparison.Ordinal)) return new ArgumentException(message, e.ParamName, e);
        return new ArgumentException("--" + message, e.ParamName, e);
    }
}
