using Spectre.Console;

namespace DalleOrleans.Training.Progress;

/// <summary>
/// A live Spectre.Console progress bar for an interactive terminal. The description carries step, loss,
/// samples/s and ETA; messages go through AnsiConsole, which prints them above the live bar.
/// </summary>
public sealed class SpectreProgress : ITrainingProgress
{
    readonly ProgressTask _task;

    SpectreProgress(ProgressTask task) => _task = task;

    /// <summary>Runs <paramref name="body"/> on the calling thread while the bar is shown (Spectre redraws on its own thread).</summary>
    public static T Run<T>(string title, Func<ITrainingProgress, T> body) =>
        AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask(Markup.Escape(title), autoStart: true, maxValue: 1.0);
                return body(new SpectreProgress(task));
            });

    public void Report(ProgressSnapshot s)
    {
        _task.MaxValue = Math.Max(1, s.TotalSteps);
        _task.Value = s.Step;
        string eta = s.Eta is { } t ? ProgressSnapshot.Duration(t) : "?";
        _task.Description = Markup.Escape($"{s.Stage} {s.Step}/{s.TotalSteps} {s.MetricsText()} | {s.SamplesPerSecond:F1} samples/s | ETA {eta}");
    }

    public void Message(string line) => AnsiConsole.MarkupLine(Markup.Escape(line));
}
