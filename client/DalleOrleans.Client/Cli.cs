using System.CommandLine;
using DalleOrleans.Client.Bench;

namespace DalleOrleans.Client;

/// <summary>
/// The `dalle` command line. Exit codes: 0 done, 1 could not reach a cluster or the generation failed,
/// 2 bad command line (naming the option), 3 the cluster is overloaded (retry later), 130 cancelled.
/// </summary>
public static class Cli
{
    public const int Usage = 2;

    public static RootCommand Root() => new("DalleOrleans: text-to-image generation on an Orleans cluster.")
    {
        GenerateCommand.Create(),
        BenchCommand.Create(),
        ModelCommand.Create(),
        SelfCheckCommand.Create(),
        Capacity.CapacityCommand.Create(),
    };

    /// <summary>
    /// Parses and runs. A malformed option ("--candidates abc", an unknown option, a missing prompt) is a usage error,
    /// code 2 like every other bad option; System.CommandLine would otherwise answer 1, the code for a failed run.
    /// </summary>
    public static async Task<int> InvokeAsync(string[] args, TextWriter? error = null)
    {
        error ??= Console.Error;
        var parsed = Root().Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var e in parsed.Errors) error.WriteLine($"error: {e.Message}");
            // System.CommandLine's "Required argument missing" names the command, not the argument: show the usage line.
            var command = parsed.CommandResult.Command;
            error.WriteLine($"usage: dalle {command.Name} {string.Concat(command.Arguments.Select(a => $"<{a.Name}> "))}[options]");
            error.WriteLine($"See 'dalle {command.Name} --help' for the options and their ranges.");
            return Usage;
        }
        return await parsed.InvokeAsync();
    }
}
