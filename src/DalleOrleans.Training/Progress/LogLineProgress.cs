namespace DalleOrleans.Training.Progress;

/// <summary>
/// Plain progress for logs: a line at most every <c>interval</c>, plus the last step, so a nohup log shows
/// step, loss, samples/s and ETA without terminal escapes.
/// </summary>
public sealed class LogLineProgress : ITrainingProgress
{
    readonly TextWriter _out;
    readonly TimeSpan _interval;
    DateTime _lastLine = DateTime.MinValue;

    public LogLineProgress(TextWriter output, TimeSpan interval)
    {
        _out = output;
        _interval = interval;
    }

    public void Report(ProgressSnapshot snapshot)
    {
        var now = DateTime.UtcNow;
        if (now - _lastLine < _interval && snapshot.Step < snapshot.TotalSteps) return;
        _lastLine = now;
        _out.WriteLine(snapshot.LogLine());
        _out.Flush();
    }

    public void Message(string line)
    {
        _out.WriteLine($"{DateTime.Now:yyyy-MM-dd HH:mm:ss} {line}");
        _out.Flush();
    }
}
