using System.Text.Json;
using System.Text.RegularExpressions;

namespace DalleOrleans.Deploy.Tests;

/// <summary>
/// The parts of a Dockerfile these tests check, parsed line by line: instructions (with backslash continuations joined,
/// comments dropped), per stage; ARG defaults; ENV pairs; EXPOSE ports; COPY sources; the exec-form ENTRYPOINT and CMD.
/// </summary>
public sealed class Dockerfile
{
    public sealed record Instruction(string Keyword, string Arguments, int Stage);

    public IReadOnlyList<Instruction> Instructions { get; }
    public string Name { get; }

    Dockerfile(string name, IReadOnlyList<Instruction> instructions) => (Name, Instructions) = (name, instructions);

    public static Dockerfile Load(string relativePath)
    {
        var instructions = new List<Instruction>();
        string pending = "";
        int stage = -1;
        foreach (var raw in Repo.Read(relativePath).Split('\n'))
        {
            string line = raw.TrimEnd('\r');
            if (pending.Length == 0 && (line.TrimStart().StartsWith('#') || line.Trim().Length == 0)) continue;
            if (line.TrimStart().StartsWith('#')) continue;                                  // comment inside a continuation
            if (line.EndsWith('\\')) { pending += line[..^1] + " "; continue; }
            string full = (pending + line).Trim();
            pending = "";
            int space = full.IndexOfAny([' ', '\t']);
            string keyword = (space < 0 ? full : full[..space]).ToUpperInvariant();
            string arguments = space < 0 ? "" : full[(space + 1)..].Trim();
            if (keyword == "FROM") stage++;
            instructions.Add(new Instruction(keyword, arguments, stage));
        }
        Assert.True(pending.Length == 0, $"{relativePath} ends inside a continued line");
        return new Dockerfile(relativePath, instructions);
    }

    public IEnumerable<Instruction> All(string keyword) => Instructions.Where(i => i.Keyword == keyword);
    public int FinalStage => Instructions.Max(i => i.Stage);

    /// <summary>ARG name → default (null when it has none), per stage (-1 = before the first FROM).</summary>
    public IReadOnlyDictionary<string, string?> Args(int stage) => All("ARG").Where(i => i.Stage == stage)
        .Select(i => i.Arguments.Split('=', 2))
        .ToDictionary(p => p[0].Trim(), p => p.Length == 2 ? p[1].Trim().Trim('"') : null);

    /// <summary>ENV of the final stage, in the KEY=VALUE form (several pairs per instruction allowed).</summary>
    public IReadOnlyDictionary<string, string> Environment()
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var i in All("ENV").Where(i => i.Stage == FinalStage))
            foreach (Match m in Regex.Matches(i.Arguments, "([A-Za-z_][A-Za-z0-9_]*)=(\"[^\"]*\"|\\S+)"))
                env[m.Groups[1].Value] = m.Groups[2].Value.Trim('"');
        return env;
    }

    public IReadOnlySet<int> ExposedPorts() => All("EXPOSE").Where(i => i.Stage == FinalStage)
        .SelectMany(i => i.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        .Select(p => int.Parse(p.Split('/')[0])).ToHashSet();

    /// <summary>Sources of the COPY instructions that read the build context (not --from another stage).</summary>
    public IEnumerable<string> ContextCopySources() => All("COPY")
        .Where(i => !i.Arguments.StartsWith("--from", StringComparison.Ordinal))
        .SelectMany(i =>
        {
            var parts = i.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(p => !p.StartsWith("--")).ToArray();
            return parts[..^1];
        });

    /// <summary>The exec (JSON array) form of ENTRYPOINT or CMD in the final stage; the shell form is refused (signals would not reach the app).</summary>
    public string[] ExecForm(string keyword)
    {
        var instruction = All(keyword).LastOrDefault(i => i.Stage == FinalStage);
        if (instruction is null) return [];
        Assert.True(instruction.Arguments.StartsWith('['), $"{Name}: {keyword} must use the exec form [\"...\"] so SIGTERM reaches the process (draining)");
        return JsonSerializer.Deserialize<string[]>(instruction.Arguments)!;
    }
}
