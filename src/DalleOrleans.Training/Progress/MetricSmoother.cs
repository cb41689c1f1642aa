namespace DalleOrleans.Training.Progress;

/// <summary>Exponential moving averages of step metrics, so the displayed loss is readable rather than noisy.</summary>
public sealed class MetricSmoother
{
    readonly double _alpha;
    readonly List<KeyValuePair<string, double>> _values = new();

    public MetricSmoother(double alpha = 0.05) => _alpha = alpha;

    public IReadOnlyList<KeyValuePair<string, double>> Values => _values;

    /// <summary>Folds one step's metrics in; a metric seen for the first time starts at its value.</summary>
    public void Add(IReadOnlyList<KeyValuePair<string, double>> step)
    {
        foreach (var (name, value) in step)
        {
            int i = _values.FindIndex(kv => kv.Key == name);
            if (i < 0) _values.Add(new(name, value));
            else if (!double.IsFinite(_values[i].Value)) _values[i] = new(name, value);
            else _values[i] = new(name, _values[i].Value + _alpha * (value - _values[i].Value));
        }
    }

    public Dictionary<string, double> ToDictionary() => _values.ToDictionary(kv => kv.Key, kv => kv.Value);
}
