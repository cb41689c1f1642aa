namespace DalleOrleans.Training.Cli;

/// <summary>Process exit codes of dalle-train.</summary>
public static class ExitCodes
{
    public const int Ok = 0;
    /// <summary>The command ran and failed (a missing checkpoint, a file that does not load, a size over the limit).</summary>
    public const int Failed = 1;
    /// <summary>Bad usage: an option out of range, an unknown option, a malformed value. Nothing was changed.</summary>
    public const int Usage = 2;
    /// <summary>Stopped by Ctrl+C or SIGTERM after writing a checkpoint; run the command again to resume.</summary>
    public const int Interrupted = 130;

    /// <summary>Prints a usage error (the message names the option and its range) and returns <see cref="Usage"/>.</summary>
    public static int UsageError(TextWriter error, ArgumentException e)
    {
        // ArgumentException appends "(Parameter 'x')" to Message; the text before it already names the option.
        string message = e.ParamName is null ? e.Message : e.Message.Replace($" (Parameter '{e.ParamName}')", "");
        error.WriteLine($"error: {message}");
        return Usage;
    }
}
