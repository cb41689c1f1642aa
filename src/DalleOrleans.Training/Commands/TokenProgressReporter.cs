using System.Diagnostics;
using DalleOrleans.Model.Generation;
using DalleOrleans.Training.Progress;

namespace DalleOrleans.Training.Commands;

/// <summary>Shows a generation's token progress (all candidates together) on the same displays as training.</summary>
public sealed class TokenProgressReporter
{
    readonly ITrainingProgress _progress;
    readonly string _label;
    readonly Stopwatch _clock = Stopwatch.StartNew();

    public TokenProgressReporter(ITrainingProgress progress, string label)
    {
        _progress = progress;
        _label = label;
    }

    public void Report(TokenProgress p)
    {
        double seconds = Math.Max(_clock.Elapsed.TotalSeconds, 1e-6);
        double perSecond = p.TokensDone / seconds;
        TimeSpan? eta = p.TokensDone == 0 ? null : TimeSpan.FromSeconds((p.TokensTotal - p.TokensDone) / perSecond);
        var metrics = new List<KeyValuePair<string, double>> { new("candidates done", p.CandidatesDone), new("tokens/s", perSecond) };
        // Samples/s here counts finished candidates per second.
        _progress.Report(new ProgressSnapshot(_label, p.TokensDone, p.TokensTotal, metrics, p.CandidatesDone / seconds, _clock.Elapsed, eta));
    }
}
