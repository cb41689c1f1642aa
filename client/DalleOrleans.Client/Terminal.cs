using Spectre.Console;

namespace DalleOrleans.Client;

/// <summary>
/// The CLI's two streams. Results go to <see cref="Out"/> (stdout); everything a person reads while a command runs
/// (progress, the seed drawn, errors) goes to <see cref="Error"/> (stderr), so that `dalle generate --json &gt; r.json`
/// stays machine-readable. <see cref="Current"/> is per invocation (an async local), so tests capture both streams
/// without touching the process-wide Console.
/// </summary>
public sealed class Terminal
{
    static readonly AsyncLocal<Terminal?> current = new();

    public Terminal(TextWriter output, TextWriter error, bool interactive)
    {
        Out = output;
        Error = error;
        Interactive = interactive;
        ErrorConsole = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(error),
            Ansi = interactive ? AnsiSupport.Detect : AnsiSupport.No,
            Interactive = interactive ? InteractionSupport.Detect : InteractionSupport.No,
        });
        LiveConsole = ErrorConsole;
    }

    /// <summary>The real console; live displays only when stderr is a terminal that Spectre finds interactive (not CI).</summary>
    public static Terminal FromConsole()
    {
        bool interactive = !Console.IsErrorRedirected && AnsiConsole.Profile.Capabilities.Interactive;
        var terminal = new Terminal(Console.Out, Console.Error, interactive);
        // Both streams on one screen: live displays go through stdout's Spectre console, which keeps them below the
        // tables and lines the commands print meanwhile instead of drawing over them.
        if (interactive && !Console.IsOutputRedirected) terminal.LiveConsole = AnsiConsole.Console;
        return terminal;
    }

    /// <summary>This invocation's terminal (the real console unless <see cref="Cli.InvokeAsync"/> was given writers).</summary>
    public static Terminal Current
    {
        get => current.Value ??= FromConsole();
        set => current.Value = value;
    }

    public TextWriter Out { get; }
    public TextWriter Error { get; }
    /// <summary>Spectre.Console over stderr: progress bars and live tables when <see cref="Interactive"/>.</summary>
    public IAnsiConsole ErrorConsole { get; }
    /// <summary>
    /// Where live displays (progress bars, status lines) draw: stdout's console when both streams are one terminal,
    /// else <see cref="ErrorConsole"/>, so that a redirected stdout (`--json &gt; r.json`, a bench table to a file) stays clean.
    /// </summary>
    public IAnsiConsole LiveConsole { get; private set; }
    /// <summary>True when stderr is a terminal a person watches: live displays instead of a plain line every few seconds.</summary>
    public bool Interactive { get; }

    /// <summary>One line on stderr, "error: …" or "error (--option): …" (in red on a terminal); never a stack trace.</summary>
    public void Fail(string message, string? option = null)
    {
        string line = message.ReplaceLineEndings(" ");
        string label = option is null ? "error" : $"error ({option})";
        if (Interactive) ErrorConsole.MarkupLineInterpolated($"[red]{label}[/]: {line}");
        else Error.WriteLine($"{label}: {line}");
    }

    /// <summary>A note for the person at the terminal (stderr): progress lines, the seed drawn, warnings.</summary>
    public void Note(string message) => Error.WriteLine(message);
}
