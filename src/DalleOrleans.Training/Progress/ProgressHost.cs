using Spectre.Console;

namespace DalleOrleans.Training.Progress;

/// <summary>Picks the progress display for a command and runs the command's body under it.</summary>
public static class ProgressHost
{
    /// <summary>Live only when writing to a real interactive terminal; log lines for nohup, pipes, files and tests.</summary>
    public static ProgressMode Resolve(ProgressMode mode, TextWriter output)
    {
        if (mode != ProgressMode.Auto) return mode;
        bool terminal = ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive;
        return terminal ? ProgressMode.Live : ProgressMode.Plain;
    }

    public static T Run<T>(ProgressMode mode, TextWriter output, string title, TimeSpan logInterval, Func<ITrainingProgress, T> body) =>
        Resolve(mode, output) == ProgressMode.Live
            ? SpectreProgress.Run(title, body)
            : body(new LogLineProgress(output, logInterval));
}
