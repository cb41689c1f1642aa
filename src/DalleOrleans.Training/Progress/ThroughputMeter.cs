using System.Diagnostics;

namespace DalleOrleans.Training.Progress;

/// <summary>
/// Samples per second over the recent past (an exponential average of step times, so a checkpoint pause or
/// a preview does not swing the ETA for long) and the remaining time at that rate.
/// </summary>
public sealed class ThroughputMeter
{
    const double Smoothing = 0.05;
    readonly Stopwatch _clock = Stopwatch.StartNew();
    TimeSpan _last;
    double _secondsPerStep = double.NaN;
    double _samplesPerStep;

    /// <summary>Time since the meter started (this session only).</summary>
    public TimeSpan Elapsed => _clock.Elapsed;

    public double SamplesPerSecond => double.IsNaN(_secondsPerStep) || _secondsPerStep <= 0 ? 0 : _samplesPerStep / _secondsPerStep;

    public void Step(int samples)
    {
        var now = _clock.Elapsed;
        double seconds = (now - _last).TotalSeconds;
        _last = now;
        _samplesPerStep = samples;
        _secondsPerStep = double.IsNaN(_secondsPerStep) ? seconds : _secondsPerStep + Smoothing * (seconds - _secondsPerStep);
    }

    /// <summary>Excludes time spent outside steps (checkpoints, previews) from the next step's duration.</summary>
    public void Pause(Action work)
    {
        work();
        _last = _clock.Elapsed;
    }

    public TimeSpan? Remaining(long stepsLeft) =>
        double.IsNaN(_secondsPerStep) ? null : TimeSpan.FromSeconds(Math.Max(0, stepsLeft) * _secondsPerStep);
}
