namespace DalleOrleans.Client.Tests;

/// <summary>A CLI invocation's stdout and stderr, captured (Cli.InvokeAsync with writers, or Terminal.Current for Run).</summary>
public sealed class CapturedTerminal
{
    public StringWriter Out { get; } = new();
    public StringWriter Error { get; } = new();

    public Terminal Terminal => new(Out, Error, interactive: false);

    public Task<int> InvokeAsync(params string[] args) => Cli.InvokeAsync(args, Error, Out);

    public IReadOnlyList<string> ErrorLines => Error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
