using System.Globalization;
using System.Text;

namespace DalleOrleans.Training.Progress;

/// <summary>Where a stage stands after a step, as the progress display shows it.</summary>
/// <param name="Metrics">Smoothed metrics, loss first.</param>
public sealed record ProgressSnapshot(
    string Stage, long Step, long TotalSteps, IReadOnlyList<KeyValuePair<string, double>> Metrics,
    double SamplesPerSecond, TimeSpan Elapsed, TimeSpan? Eta)
{
    public double Fraction => TotalSteps == 0 ? 1 : (double)Step / TotalSteps;

    /// <summary>"loss 0.1234 text 2.10 lr 4.9e-04": the metrics compactly.</summary>
    public string MetricsText()
    {
        var text = new StringBuilder();
        foreach (var (name, value) in Metrics)
        {
            if (text.Length > 0) text.Append(' ');
            text.Append(name).Append(' ').Append(Format(value));
        }
        return text.ToString();
    }

    /// <summary>One log line: step, loss and the rest, samples/s, elapsed and ETA.</summary>
    public string LogLine() =>
        $"{DateTime.Now:yyyy-MM-dd HH:mm:ss} {Stage} step {Step}/{TotalSteps} ({100 * Fraction:F1}%) {MetricsText()} | " +
        $"{SamplesPerSecond.ToString("F1", CultureInfo.InvariantCulture)} samples/s | elapsed {Duration(Elapsed)} | ETA {(Eta is { } eta ? Duration(eta) : "?")}";

    public static string Duration(TimeSpan t) =>
        t.TotalHours >= 1 ? $"{(int)t.TotalHours}:{t.Minutes:D2}:{t.Seconds:D2}" : $"{t.Minutes}:{t.Seconds:D2}";

    static string Format(double v) =>
        v == 0 ? "0" : Math.Abs(v) is >= 1e-2 and < 1e4 ? v.ToString("0.####", CultureInfo.InvariantCulture) : v.ToString("0.##e+00", CultureInfo.InvariantCulture);
}
