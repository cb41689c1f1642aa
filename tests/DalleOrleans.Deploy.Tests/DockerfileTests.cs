using System.Text.RegularExpressions;

namespace DalleOrleans.Deploy.Tests;

/// <summary>The images: what they build (projects, backend), what they run and which ports they expose.</summary>
public sealed class DockerfileTests
{
    public const string SiloDockerfile = "deploy/silo.Dockerfile", WebDockerfile = "deploy/web.Dockerfile";
    public const string SiloProject = "silo/DalleOrleans.Silo/DalleOrleans.Silo.csproj", WebProject = "client/DalleOrleans.Web/DalleOrleans.Web.csproj";

    /// <summary>The TorchBackend values the build accepts, read from the check in Directory.Build.targets.</summary>
    public static IReadOnlySet<string> TorchBackends { get; } = Regex.Matches(Repo.Read("Directory.Build.targets"), @"'\$\(TorchBackend\)' != '([a-z]+)'")
        .Select(m => m.Groups[1].Value).ToHashSet();

    public static TheoryData<string, string> Images => new() { { SiloDockerfile, SiloProject }, { WebDockerfile, WebProject } };

    [Theory, MemberData(nameof(Images))]
    public void PublishesTheProjectAndRunsItsAssembly(string dockerfile, string project)
    {
        var file = Dockerfile.Load(dockerfile);
        var publish = file.All("RUN").Select(r => r.Arguments).Single(a => a.Contains("dotnet publish"));
        Assert.Contains(project, publish);
        Assert.Matches(@"-o /app\b", publish);
        Assert.Equal(new[] { "dotnet", Repo.AssemblyName(project) + ".dll" }, file.ExecForm("ENTRYPOINT"));
        Assert.Contains(file.All("WORKDIR"), w => w.Stage == file.FinalStage && w.Arguments == "/app");
        Assert.Contains(file.All("COPY"), c => c.Stage == file.FinalStage && c.Arguments.StartsWith("--from=build /app", StringComparison.Ordinal));
    }

    [Theory, MemberData(nameof(Images))]
    public void CopiesEveryProjectTheBuildNeedsAndNothingThatIsMissing(string dockerfile, string project)
    {
        var file = Dockerfile.Load(dockerfile);
        var sources = file.ContextCopySources().ToList();
        foreach (var source in sources)
            Assert.True(File.Exists(Repo.PathOf(source)) || Directory.Exists(Repo.PathOf(source)), $"{dockerfile}: COPY source '{source}' is not in the repository");
        foreach (var folder in Repo.ProjectClosure(project))
            Assert.True(sources.Any(s => (folder + "/").StartsWith(s.TrimEnd('/') + "/", StringComparison.Ordinal)),
                $"{dockerfile}: project folder {folder} (referenced by {project}) is not copied into the build stage");
        foreach (var shared in new[] { "Directory.Build.props", "Directory.Build.targets", "Directory.Packages.props", "build/" })
            Assert.Contains(shared, sources);
    }

    [Fact]
    public void TheSiloImageBuildsTheBackendItsArgumentNames()
    {
        var file = Dockerfile.Load(SiloDockerfile);
        var buildStage = file.All("RUN").Single(r => r.Arguments.Contains("dotnet publish")).Stage;
        var args = file.Args(buildStage);
        Assert.True(args.TryGetValue("TORCH_BACKEND", out var backend), "the build stage declares ARG TORCH_BACKEND");
        Assert.Equal("cpu", backend);
        Assert.Contains(backend!, TorchBackends);
        Assert.Contains("-p:TorchBackend=${TORCH_BACKEND}", file.All("RUN").Single(r => r.Arguments.Contains("dotnet publish")).Arguments);
        Assert.Equal(new[] { "cpu", "cuda", "system" }.ToHashSet(), TorchBackends);
    }

    [Fact]
    public void TheSiloImageExposesTheSiloPortsAndConfiguresOnlyRealKeys()
    {
        var file = Dockerfile.Load(SiloDockerfile);
        var env = file.Environment();
        SiloKeys.AssertKnown(env.Keys, SiloDockerfile);
        var settings = SiloKeys.Resolve(env);
        Assert.Equal(settings.Ports.Values.ToHashSet(), file.ExposedPorts());
        Assert.Equal("0.0.0.0", settings.Http.Address);                 // probes and scrapers come from outside the container
        Assert.StartsWith("/models/", settings.Devices.Path);
    }

    [Fact]
    public void TheWebImageExposesThePortItsDefaultCommandListensOn()
    {
        var file = Dockerfile.Load(WebDockerfile);
        var options = DalleOrleans.Web.Hosting.WebOptions.Parse(file.ExecForm("CMD"));
        var url = new Uri(options.Urls.Split(';').Single());
        Assert.Equal("0.0.0.0", url.Host);
        Assert.Equal(new HashSet<int> { url.Port }, file.ExposedPorts());
        Assert.DoesNotContain(file.All("RUN"), r => r.Arguments.Contains("TorchBackend=cuda"));
    }
}
