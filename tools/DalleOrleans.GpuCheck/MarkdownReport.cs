using System.Text;

namespace DalleOrleans.GpuCheck;

/// <summary>The check's report: markdown sections, tables and a pass/fail list written at the top.</summary>
public sealed class MarkdownReport
{
    readonly StringBuilder _body = new();
    readonly List<(string Check, bool Passed, string Detail)> _checks = new();

    public IReadOnlyList<(string Check, bool Passed, string Detail)> Checks => _checks;
    public bool AllPassed => _checks.All(c => c.Passed);

    public void Heading(string title) => _body.AppendLine().AppendLine($"## {title}").AppendLine();
    public void Line(string text) => _body.AppendLine(text).AppendLine();

    public void Table(IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string>> rows)
    {
        _body.AppendLine("| " + string.Join(" | ", header) + " |");
        _body.AppendLine("|" + string.Concat(header.Select(_ => " --- |")));
        foreach (var row in rows) _body.AppendLine("| " + string.Join(" | ", row) + " |");
        _body.AppendLine();
    }

    /// <summary>Records a pass/fail check (listed at the top) and says it in the body too.</summary>
    public void Check(string check, bool passed, string detail)
    {
        _checks.Add((check, passed, detail));
        Line($"**{(passed ? "PASS" : "FAIL")}** {check}: {detail}");
    }

    public string Render(string title, IEnumerable<string> preamble)
    {
        var text = new StringBuilder().AppendLine($"# {title}").AppendLine();
        foreach (var line in preamble) text.AppendLine(line);
        text.AppendLine().AppendLine("| check | result | detail |").AppendLine("| --- | --- | --- |");
        foreach (var (check, passed, detail) in _checks)
            text.AppendLine($"| {check} | {(passed ? "PASS" : "FAIL")} | {detail.Replace("|", "\\|")} |");
        return text.Append(_body).ToString();
    }

    public static string F(double value, int decimals = 2) => value.ToString("F" + decimals, System.Globalization.CultureInfo.InvariantCulture);
}
