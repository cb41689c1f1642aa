using System.Text.RegularExpressions;
using DalleOrleans.Operations;

namespace DalleOrleans.Deploy.Tests;

/// <summary>
/// The READMEs stay true: deploy/README.md documents every silo key and operations path; the root README keeps exactly
/// two set-up commands, lists every folder of the repository, and names only paths that exist in it (so a renamed model
/// folder or project cannot leave it pointing at nothing, and nothing points outside the repository).
/// </summary>
public sealed partial class ReadmeTests
{
    [Fact]
    public void DocumentsEverySiloKeyAndTheOperationsPaths()
    {
        var readme = Repo.Read("deploy/README.md");
        var undocumented = SiloKeys.Known.Where(k => !k.StartsWith("Logging:", StringComparison.Ordinal) && !readme.Contains($"`{k}`")).ToList();
        Assert.True(undocumented.Count == 0, $"deploy/README.md does not document {string.Join(", ", undocumented)}");
        foreach (var path in new[] { HealthEndpoints.LivePath, HealthEndpoints.ReadyPath, MetricsExport.Path })
            Assert.Contains($"`{path}`", readme);
    }

    [GeneratedRegex(@"```bash\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex BashBlock();

    /// <summary>The commands of a bash block: lines joined at trailing backslashes, comments and blank lines left out.</summary>
    static IReadOnlyList<string> Commands(string block) => block.Replace("\\\n", " ").Split('\n')
        .Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();

    [Fact]
    public void AFreshMachineNeedsExactlyTwoCommands()
    {
        string readme = Repo.Read("README.md");
        int start = readme.IndexOf("\n## Two commands on a fresh", StringComparison.Ordinal);
        Assert.True(start >= 0, "README.md has no '## Two commands on a fresh …' section");
        int end = readme.IndexOf("\n## ", start + 1, StringComparison.Ordinal);
        string section = readme[start..(end < 0 ? readme.Length : end)];

        var commands = BashBlock().Matches(section).SelectMany(m => Commands(m.Groups[1].Value)).ToList();
        Assert.Equal(2, commands.Count);
        Assert.StartsWith("dotnet run -c Release --project client/DalleOrleans.Client -- generate \"", commands[0]);
        Assert.Equal("bash scripts/test.sh", commands[1]);
    }

    [Fact]
    public void TheLayoutTableListsEveryFolder()
    {
        string readme = Repo.Read("README.md");
        int start = readme.IndexOf("\n## Layout", StringComparison.Ordinal);
        Assert.True(start >= 0, "README.md has no '## Layout' section");
        var rows = readme[start..].Split('\n').TakeWhile((l, i) => i < 3 || l.StartsWith('|')).Where(l => l.StartsWith("| `")).ToList();
        var listed = rows.Select(r => r.Split('`')[1]).ToHashSet(StringComparer.Ordinal);

        // Top-level folders (not hidden, not build output named in .gitignore), and every project under the folders
        // that hold one project per subfolder.
        var ignored = Repo.Read(".gitignore").Split('\n').Select(l => l.Trim()).Where(l => l.EndsWith('/'))
            .Select(l => l.Trim('/')).ToHashSet(StringComparer.Ordinal);
        var expected = new List<string>();
        foreach (var dir in Directory.GetDirectories(Repo.Root).Select(Path.GetFileName).Order(StringComparer.Ordinal))
        {
            if (dir!.StartsWith('.') || ignored.Contains(dir)) continue;
            var projects = Directory.GetDirectories(Path.Combine(Repo.Root, dir))
                .Where(p => Directory.GetFiles(p, "*.csproj").Length > 0).Select(p => $"{dir}/{Path.GetFileName(p)}/").ToList();
            if (dir is "src" or "client" or "silo" or "tools") expected.AddRange(projects);
            else expected.Add($"{dir}/");
        }
        var missing = expected.Where(e => !listed.Contains(e)).ToList();
        Assert.True(missing.Count == 0, $"README.md's layout table does not list {string.Join(", ", missing)}");
    }

    [GeneratedRegex(@"`([^`\s]+)`")]
    private static partial Regex Backticked();

    static readonly string[] TopFolders = ["src/", "client/", "silo/", "tests/", "deploy/", "scripts/", "docs/", "build/", "models/", "tools/", ".ci/"];

    [Theory]
    [InlineData("README.md")]
    [InlineData("docs/ARCHITECTURE.md")]
    public void EveryRepositoryPathItNamesExists(string document)
    {
        string text = Repo.Read(document);
        var named = Backticked().Matches(text).Select(m => m.Groups[1].Value)
            .Concat(BashBlock().Matches(text).SelectMany(m => m.Groups[1].Value.Split((char[])[' ', '\n', '=', '"', '\''])))
            .Select(p => p.TrimEnd(',', '.', ';', ':', ')'))
            .Where(p => TopFolders.Any(f => p.StartsWith(f, StringComparison.Ordinal)) && !p.Contains('…') && !p.Contains('*'))
            .Distinct().ToList();
        Assert.NotEmpty(named);
        var absent = named.Where(p => !File.Exists(Repo.PathOf(p)) && !Directory.Exists(Repo.PathOf(p))).ToList();
        Assert.True(absent.Count == 0, $"{document} names {string.Join(", ", absent)}, which the repository does not have");
        Assert.DoesNotMatch(@"[`(]\.\./", text);        // nothing outside the repository
    }
}
