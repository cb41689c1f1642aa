using System.CommandLine;
using DalleOrleans.Client.Bench;

namespace DalleOrleans.Client;

/// <summary>The `dalle` command line. Exit codes: <see cref="ExitCodes"/>.</summary>
public static class Cli
{
    public const int Usage = ExitCodes.Usage;

    public static RootCommand Root() => new($"DalleOrleans: text-to-image generation on an Orleans cluster. {ExitCodes.Help}")
    {
        GenerateCommand.Create(),
        BenchCommand.Create(),
        ModelCommand.Create(),
        SelfCheckCommand.Create(),
        Capacity.CapacityCommand.Create(),
    };

    /// <summary>
    /// Parses and runs with results on <paramref name="output"/> and messages on <paramref name="error"/> (default: the
    /// console's stdout and stderr). A malformed option ("--candidates abc", an unknown option, a missing prompt) is a
    /// usage error, code 2 like every other bad option; System.CommandLine would otherwise answer 1, the code for a failed run.
    /// </summary>
    public static async Task<int> InvokeAsync(string[] args, TextWriter? error = null, TextWriter? output = null)
    {
        var terminal = error is null && output is null
            ? Terminal.FromConsole()
            : new Terminal(output ?? TextWriter.Null, error ?? TextWriter.Null, interactive: false);
        Terminal.Current = terminal;
        var parsed = Root().Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var e in parsed.Errors) terminal.Error.WriteLine($"error: {e.Message}");
            // System.CommandLine's "Required argument missing" names the command, not the argument: show the usage line.
            var command = parsed.CommandResult.Command;
            terminal.Error.WriteLine($"usage: dalle {command.Name} {string.Concat(command.Arguments.Select(a => $"<{a.Name}> "))}[options]");
            terminal.Error.WriteLine($"See 'dalle {command.Name} --help' for the options and their ranges.");
            return Usage;
        }
        try
        {
            return await parsed.InvokeAsync(new InvocationConfiguration
            {
                Output = terminal.Out, Error = terminal.Error,
                EnableDefaultExceptionHandler = false,        // it prints the whole stack trace
            });
        }
        catch (OperationCanceledException)
        {
            terminal.Fail("cancelled.");
            return ExitCodes.Cancelled;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Whatever a command did not expect (a folder it may not write, a full disk): one line, not a stack trace.
            terminal.Fail($"{e.Message} ({e.GetType().Name})");
            return ExitCodes.Failed;
        }
    }
}
