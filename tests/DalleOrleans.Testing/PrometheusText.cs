using System.Globalization;
using System.Text.RegularExpressions;
using Xunit;

namespace DalleOrleans.Testing;

/// <summary>Samples of a Prometheus text exposition: "name{label="value",...} number" lines, comments skipped.</summary>
public sealed partial class PrometheusText
{
    public sealed record Sample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

    public IReadOnlyList<Sample> Samples { get; }
    public IReadOnlySet<string> Types { get; }

    PrometheusText(IReadOnlyList<Sample> samples, IReadOnlySet<string> types) => (Samples, Types) = (samples, types);

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>.*)\})?\s+(?<value>\S+)(\s+\d+)?$")]
    private static partial Regex Line();
    [GeneratedRegex("(?<key>[a-zA-Z_][a-zA-Z0-9_]*)=\"(?<value>(?:[^\"\\\\]|\\\\.)*)\"")]
    private static partial Regex Label();

    public static PrometheusText Parse(string text)
    {
        var samples = new List<Sample>();
        var types = new HashSet<string>();
        foreach (var line in text.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Length > 0))
        {
            if (line.StartsWith("# TYPE ", StringComparison.Ordinal)) { types.Add(line.Split(' ')[2]); continue; }
            if (line.StartsWith('#')) continue;
            var m = Line().Match(line);
            Assert.True(m.Success, $"not a Prometheus sample line: {line}");
            var labels = Label().Matches(m.Groups["labels"].Value).ToDictionary(l => l.Groups["key"].Value, l => l.Groups["value"].Value);
            double value = m.Groups["value"].Value switch
            {
                "+Inf" => double.PositiveInfinity,
                "-Inf" => double.NegativeInfinity,
                var v => double.Parse(v, CultureInfo.InvariantCulture),
            };
            samples.Add(new Sample(m.Groups["name"].Value, labels, value));
        }
        return new PrometheusText(samples, types);
    }

    /// <summary>The sum over every series of <paramref name="name"/> whose labels include <paramref name="labels"/> (0 when none).</summary>
    public double Sum(string name, params (string Key, string Value)[] labels) => Samples
        .Where(s => s.Name == name && labels.All(l => s.Labels.TryGetValue(l.Key, out var v) && v == l.Value)).Sum(s => s.Value);

    public bool Has(string name) => Samples.Any(s => s.Name == name);
}
