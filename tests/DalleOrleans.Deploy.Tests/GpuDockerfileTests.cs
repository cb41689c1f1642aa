namespace DalleOrleans.Deploy.Tests;

/// <summary>deploy/silo-gpu.Dockerfile: the GPU bundle's idea as an image (managed TorchSharp only, PyTorch's libtorch).</summary>
public sealed class GpuDockerfileTests
{
    const string GpuDockerfile = "deploy/silo-gpu.Dockerfile";

    [Fact]
    public void PublishesTheSiloSelfContainedWithTheSystemBackendAndRunsItsApphost()
    {
        var file = Dockerfile.Load(GpuDockerfile);
        string publish = file.All("RUN").Single(r => r.Arguments.Contains("dotnet publish")).Arguments;
        Assert.Contains(DockerfileTests.SiloProject, publish);
        Assert.Contains("-p:TorchBackend=system", publish);
        Assert.Contains("system", DockerfileTests.TorchBackends);
        Assert.Contains("--self-contained", publish);
        Assert.Matches(@"-r linux-x64\b", publish);
        Assert.Matches(@"-o /app\b", publish);
        Assert.Equal(new[] { "/app/" + Repo.AssemblyName(DockerfileTests.SiloProject) }, file.ExecForm("ENTRYPOINT"));
    }

    [Fact]
    public void FindsLibtorchInTheRuntimeImagesPyTorchAndConfiguresOnlyRealKeys()
    {
        var file = Dockerfile.Load(GpuDockerfile);
        var env = file.Environment();
        Assert.Equal("/opt/libtorch", env["LD_LIBRARY_PATH"]);
        Assert.Contains(file.All("RUN"), r => r.Stage == file.FinalStage && r.Arguments.Contains("import os, torch")
                                              && r.Arguments.Contains("/opt/libtorch") && r.Arguments.Contains("test -f /opt/libtorch/libtorch.so"));
        var siloKeys = env.Keys.Where(k => k.Contains("__")).ToList();
        SiloKeys.AssertKnown(siloKeys, GpuDockerfile);
        var settings = SiloKeys.Resolve(env.Where(e => e.Key.Contains("__")).ToDictionary(e => e.Key, e => e.Value));
        Assert.Equal(new[] { "cuda:0" }, settings.Devices.Devices);
        Assert.Equal(settings.Ports.Values.ToHashSet(), file.ExposedPorts());
    }

    [Fact]
    public void CopiesEveryProjectTheSiloNeeds()
    {
        var file = Dockerfile.Load(GpuDockerfile);
        var sources = file.ContextCopySources().ToList();
        foreach (var folder in Repo.ProjectClosure(DockerfileTests.SiloProject))
            Assert.True(sources.Any(s => (folder + "/").StartsWith(s.TrimEnd('/') + "/", StringComparison.Ordinal)), $"{folder} is not copied");
        foreach (var shared in new[] { "Directory.Build.props", "Directory.Build.targets", "Directory.Packages.props", "build/" })
            Assert.Contains(shared, sources);
    }
}
