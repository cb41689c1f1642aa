using System.Globalization;
using System.Text;
using DalleOrleans.Model;

namespace DalleOrleans.Benchmarks;

/// <summary>
/// Markdown output: every table carries the machine, the date, the load average when it was taken and the
/// exact command, because on a shared machine absolute times are noise and only ratios within one run count.
/// </summary>
public sealed class Report(BenchOptions options)
{
    readonly StringBuilder _text = new();

    public void Heading(string title)
    {
        Line($"## {title}");
        Line();
        Line($"- date: {DateTime.Now:yyyy-MM-dd HH:mm:ss zzz}");
        Line($"- machine: {Environment.ProcessorCount} cores ({CpuModel()}), {TorchRuntime.Describe()}");
        Line($"- load average at start: {LoadAverage()}");
        Line($"- command: `{options.CommandLine}` (model {options.ModelFolder})");
        Line();
    }

    public void Table(IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string>> rows)
    {
        Line("| " + string.Join(" | ", header) + " |");
        Line("|" + string.Concat(header.Select(_ => " --- |")));
        foreach (var row in rows) Line("| " + string.Join(" | ", row) + " |");
        Line();
    }

    public void Note(string text) { Line(text); Line(); }

    public void EndSection() { Line($"(load average at end: {LoadAverage()})"); Line(); }

    void Line(string text = "")
    {
        Console.WriteLine(text);
        _text.AppendLine(text);
    }

    public void Save()
    {
        if (options.OutFile is not null) File.AppendAllText(options.OutFile, _text.ToString());
    }

    public static string F(double value, int decimals = 2) => value.ToString("F" + decimals, CultureInfo.InvariantCulture);
    public static string Pct(double ratio) => (100 * ratio).ToString("F1", CultureInfo.InvariantCulture) + " %";

    static string LoadAverage()
    {
        try { return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) + " (1, 5, 15 min)"; }
        catch (IOException) { return "unknown"; }
    }

    static string CpuModel()
    {
        try
        {
            return File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name"))?.Split(':', 2)[1].Trim() ?? "unknown CPU";
        }
        catch (IOException) { return "unknown CPU"; }
    }
}
