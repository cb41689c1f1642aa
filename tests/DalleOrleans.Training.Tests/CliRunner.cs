using DalleOrleans.Training.Cli;

namespace DalleOrleans.Training.Tests;

/// <summary>Runs dalle-train in-process, as the shell would, and captures what it prints.</summary>
public static class CliRunner
{
    public sealed record Outcome(int ExitCode, string Output, string Error)
    {
        public override string ToString() => $"exit {ExitCode}\n--- stdout ---\n{Output}\n--- stderr ---\n{Error}";
    }

    public static Outcome Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int exit = TrainCli.Invoke(args, output, error);
        return new Outcome(exit, output.ToString(), error.ToString());
    }

    /// <summary>A stage command with the options every test wants: plain progress, a line per step, no previews unless asked.</summary>
    public static Outcome Stage(string stage, string run, params string[] more) =>
        Run([stage, "--run", run, "--progress", "Plain", "--log-every-seconds", "0", .. more]);
}
