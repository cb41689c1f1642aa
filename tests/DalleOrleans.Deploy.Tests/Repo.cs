using System.Reflection;
using System.Xml.Linq;

namespace DalleOrleans.Deploy.Tests;

/// <summary>The repository the tests were built from: deploy/ files and project files are read from there.</summary>
public static class Repo
{
    public static readonly string Root = typeof(Repo).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "RepositoryRoot").Value!;

    public static string PathOf(string relative) => System.IO.Path.GetFullPath(System.IO.Path.Combine(Root, relative));

    public static string Read(string relative)
    {
        string path = PathOf(relative);
        Assert.True(File.Exists(path), $"{relative} is missing");
        return File.ReadAllText(path);
    }

    /// <summary>A project's AssemblyName (what `dotnet publish` names the dll).</summary>
    public static string AssemblyName(string csproj) =>
        XDocument.Load(PathOf(csproj)).Descendants("AssemblyName").Single().Value;

    /// <summary>The project and every project it references, transitively, as repository-relative folders.</summary>
    public static IReadOnlySet<string> ProjectClosure(string csproj)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>([PathOf(csproj)]);
        while (pending.Count > 0)
        {
            string project = pending.Pop();
            if (!seen.Add(Relative(System.IO.Path.GetDirectoryName(project)!))) continue;
            foreach (var reference in XDocument.Load(project).Descendants("ProjectReference"))
                pending.Push(System.IO.Path.GetFullPath(System.IO.Path.Combine(System.IO.Path.GetDirectoryName(project)!,
                    reference.Attribute("Include")!.Value.Replace('\\', '/'))));
        }
        return seen;
    }

    public static string Relative(string fullPath) => System.IO.Path.GetRelativePath(Root, fullPath).Replace('\\', '/');
}
