using Spectre.Console;

namespace DalleOrleans.Client.Bench;

/// <summary>
/// Shows a bench's progress while it runs: a Spectre.Console status line when a person watches a terminal,
/// otherwise (redirected, CI) one plain line on stderr every <c>every</c>, so a long run is never silent until its table.
/// </summary>
public static class LiveProgress
{
    public static readonly TimeSpan PlainEvery = TimeSpan.FromSeconds(5);

    public static async Task<T> RunAsync<T>(Func<Task<T>> work, Terminal terminal, TimeSpan? every = null)
    {
        var progress = new LoadProgress();
        LoadProgress.Current = progress;       // flows into the work started below, and no further up
        var task = work();
        if (terminal.Interactive)
        {
            await terminal.LiveConsole.Status().StartAsync(progress.Describe(), async context =>
            {
                while (!task.IsCompleted)
                {
                    await Task.WhenAny(task, Task.Delay(TimeSpan.FromMilliseconds(250)));
                    context.Status(Markup.Escape(progress.Describe()));
                }
            });
        }
        else
        {
            while (await Task.WhenAny(task, Task.Delay(every ?? PlainEvery)) != task)
                terminal.Note(progress.Describe());
        }
        return await task;
    }
}
