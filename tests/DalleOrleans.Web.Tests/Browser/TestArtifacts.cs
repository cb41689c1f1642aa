using System.Reflection;

namespace DalleOrleans.Web.Tests.Browser;

/// <summary>
/// Where tests leave files for people to look at: $DALLE_WEB_ARTIFACTS, else &lt;repo&gt;/TestResults/web (next to the
/// TRX files scripts/test.sh collects), else the test's output folder.
/// </summary>
public static class TestArtifacts
{
    public static string Folder
    {
        get
        {
            string? root = typeof(TestArtifacts).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
                .FirstOrDefault(a => a.Key == "RepositoryRoot")?.Value;
            string folder = Environment.GetEnvironmentVariable("DALLE_WEB_ARTIFACTS") is { Length: > 0 } chosen ? chosen
                : root is not null && Directory.Exists(root) ? Path.Combine(root, "TestResults", "web")
                : Path.Combine(AppContext.BaseDirectory, "TestResults", "web");
            Directory.CreateDirectory(folder);
            return folder;
        }
    }

    public static string Save(string name, byte[] bytes)
    {
        string path = Path.Combine(Folder, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    public static void Delete(string name)
    {
        try { File.Delete(Path.Combine(Folder, name)); } catch (IOException) { }
    }
}
