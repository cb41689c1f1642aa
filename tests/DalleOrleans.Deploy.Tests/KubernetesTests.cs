using DalleOrleans.Operations;
using DalleOrleans.Silo;
using DalleOrleans.Web.Hosting;
using YamlDotNet.RepresentationModel;

namespace DalleOrleans.Deploy.Tests;

/// <summary>deploy/k8s: Redis, the GPU silo Deployment, the web Deployment and Service, consistent with the code.</summary>
public sealed class KubernetesTests
{
    const string Folder = "deploy/k8s";

    static readonly IReadOnlyList<(string File, YamlMappingNode Doc)> Documents = Directory.GetFiles(Repo.PathOf(Folder), "*.yaml")
        .Select(Repo.Relative).Where(f => !f.EndsWith("kustomization.yaml"))
        .SelectMany(f => Yaml.LoadAll(f).Select(d => (f, d))).ToList();

    static YamlMappingNode Resource(string kind, string name) => Documents
        .Where(d => d.Doc.Get("kind").Text() == kind && d.Doc.Get("metadata").Get("name").Text() == name)
        .Select(d => d.Doc).SingleOrDefault() ?? throw new Xunit.Sdk.XunitException($"{Folder}: no {kind} named {name}");

    static YamlNode Container(string deployment) =>
        Resource("Deployment", deployment).Need("spec", deployment).Need("template", deployment).Need("spec", deployment).Need("containers", deployment).Items().Single();

    static Dictionary<string, int> ContainerPorts(YamlNode container) =>
        container.Get("ports").Items().ToDictionary(p => p.Get("name").Text()!, p => int.Parse(p.Get("containerPort").Text()!));

    /// <summary>The silo's env; values from the downward API (the pod IP) stand in as a sample pod address.</summary>
    static Dictionary<string, string> Environment(YamlNode container) => container.Get("env").Items().ToDictionary(
        e => e.Get("name").Text()!,
        e => e.Get("value").Text() ?? (e.Get("valueFrom")?.Get("fieldRef")?.Get("fieldPath").Text() == "status.podIP" ? "10.1.2.3"
            : throw new Xunit.Sdk.XunitException($"env {e.Get("name").Text()} has neither a value nor the pod IP")));

    static SiloConfiguration SiloSettings() =>
        SiloKeys.Resolve(Dockerfile.Load(DockerfileTests.SiloDockerfile).Environment(), Environment(Container("dalle-silo")));

    static void AssertProbe(YamlNode container, string probe, string path, int port)
    {
        var get = container.Need(probe, probe).Need("httpGet", probe);
        Assert.Equal(path, get.Get("path").Text());
        Assert.Equal(port.ToString(), get.Get("port").Text());
    }

    [Fact]
    public void KustomizationListsEveryManifest()
    {
        var listed = Yaml.LoadAll($"{Folder}/kustomization.yaml").Single().Get("resources").Strings().ToHashSet();
        Assert.Equal(Documents.Select(d => Path.GetFileName(d.File)).ToHashSet(), listed);
    }

    [Fact]
    public void RedisServesTheAddressTheSilosAndTheWebUse()
    {
        var service = Resource("Service", "redis");
        int port = int.Parse(service.Need("spec", "redis").Get("ports").Items().Single().Get("port").Text()!);
        Assert.Equal(6379, port);
        var settings = SiloSettings();
        Assert.Equal($"redis:{port}", settings.Cluster.Redis);
        Assert.Equal($"redis:{port}", WebOptions.Parse(Container("dalle-web").Get("args").Strings()).Cluster);
        var cacheService = Resource("Service", "redis-cache");
        int cachePort = int.Parse(cacheService.Need("spec", "redis-cache").Get("ports").Items().Single().Get("port").Text()!);
        Assert.Equal($"redis-cache:{cachePort}", settings.Cache.Redis);
    }

    /// <summary>The cache's Redis evicts least recently used results below its memory limit; membership's never evicts.</summary>
    [Fact]
    public void TheCacheRedisIsBoundedBelowItsLimitAndMembershipsNeverEvicts()
    {
        var cache = Container("redis-cache");
        var args = cache.Get("args").Strings().ToList();
        Assert.Equal("allkeys-lru", args[args.IndexOf("--maxmemory-policy") + 1]);
        long maxBytes = Bytes(args[args.IndexOf("--maxmemory") + 1]);
        long limitBytes = Bytes(cache.Need("resources", "redis-cache").Need("limits", "redis-cache").Get("memory").Text()!);
        Assert.True(maxBytes < limitBytes * 0.9, $"redis-cache: maxmemory {maxBytes} B leaves no room below its container limit {limitBytes} B");
        Assert.DoesNotContain("--maxmemory-policy", Container("redis").Get("args").Strings());
    }

    /// <summary>"768mb", "1gb" (Redis) and "1Gi", "256Mi" (Kubernetes) in bytes.</summary>
    static long Bytes(string size)
    {
        var m = System.Text.RegularExpressions.Regex.Match(size, "^([0-9]+)(mb|gb|Mi|Gi)$");
        Assert.True(m.Success, $"unexpected size '{size}'");
        long n = long.Parse(m.Groups[1].Value);
        return m.Groups[2].Value switch { "mb" or "Mi" => n << 20, _ => n << 30 };   // Redis' "mb" is 1024², as Kubernetes' "Mi"
    }

    [Fact]
    public void SiloDeploymentUsesRealKeysAndExposesItsPorts()
    {
        var container = Container("dalle-silo");
        SiloKeys.AssertKnown(Environment(container).Keys, "k8s dalle-silo");
        var settings = SiloSettings();
        Assert.Equal("10.1.2.3", settings.Cluster.AdvertisedAddress);             // the pod IP: how peers reach the silo
        Assert.Equal("0.0.0.0", settings.Http.Address);
        Assert.Equal(settings.Ports.Values.Order(), ContainerPorts(container).Values.Order());
        AssertProbe(container, "livenessProbe", HealthEndpoints.LivePath, settings.Http.Port);
        AssertProbe(container, "readinessProbe", HealthEndpoints.ReadyPath, settings.Http.Port);
        var annotations = Resource("Deployment", "dalle-silo").Get("spec").Get("template").Get("metadata").Get("annotations");
        Assert.Equal(settings.Http.Port.ToString(), annotations.Get("prometheus.io/port").Text());
        Assert.Equal(MetricsExport.Path, annotations.Get("prometheus.io/path").Text());
        var mounts = container.Get("volumeMounts").Items().Select(m => m.Get("mountPath").Text()!);
        Assert.Contains(mounts, m => settings.Devices.Path.StartsWith(m.TrimEnd('/') + "/", StringComparison.Ordinal));
    }

    [Fact]
    public void SiloDeploymentRequestsOneGpuPerCudaDeviceAndRunsTheCudaImage()
    {
        var container = Container("dalle-silo");
        var devices = SiloSettings().Devices.EffectiveDevices.SelectMany(d => d.Split('+')).Where(d => d.StartsWith("cuda")).Distinct().Count();
        Assert.True(devices > 0, "the k8s silo serves no CUDA device");
        var resources = container.Need("resources", "dalle-silo");
        Assert.Equal(devices.ToString(), resources.Get("requests").Get("nvidia.com/gpu").Text());
        Assert.Equal(devices.ToString(), resources.Get("limits").Get("nvidia.com/gpu").Text());   // extended resources: requests = limits
        Assert.Equal("dalle-silo:cuda", container.Get("image").Text());
        // The image tag names its backend, and compose builds that tag with that TORCH_BACKEND.
        var compose = Yaml.LoadAll("deploy/docker-compose.yml").Single().Get("services").Entries()
            .Single(s => s.Value.Get("image").Text() == "dalle-silo:cuda" && s.Value.Get("build") is not null);
        Assert.Equal("cuda", compose.Value.Get("build").Get("args").Get("TORCH_BACKEND").Text());
        int grace = int.Parse(Resource("Deployment", "dalle-silo").Get("spec").Get("template").Get("spec").Get("terminationGracePeriodSeconds").Text()!);
        Assert.True(grace >= 60, "silos need time to drain running generations when stopped");
        Assert.True(grace > new DalleOrleans.Grains.Devices.DeviceSettings().DrainSeconds,
            "the pod's grace period must outlast the silo's own drain time (Model:DrainSeconds), or Kubernetes kills it mid-drain");
    }

    [Fact]
    public void WebDeploymentAndServiceAgreeOnTheListenPort()
    {
        var container = Container("dalle-web");
        var options = WebOptions.Parse(container.Get("args").Strings());
        var url = new Uri(options.Urls.Split(';').Single());
        Assert.Equal("0.0.0.0", url.Host);
        Assert.Equal(url.Port, ContainerPorts(container).Values.Single());
        AssertProbe(container, "livenessProbe", HealthEndpoints.LivePath, url.Port);
        AssertProbe(container, "readinessProbe", HealthEndpoints.ReadyPath, url.Port);
        var service = Resource("Service", "dalle-web").Need("spec", "dalle-web");
        Assert.Equal(url.Port.ToString(), service.Get("ports").Items().Single().Get("targetPort").Text());
        Assert.Equal("dalle-web", service.Get("selector").Get("app").Text());
        var silo = SiloSettings();
        Assert.Equal((silo.Cluster.ClusterId, silo.Cluster.ServiceId), (options.ClusterId, options.ServiceId));
    }
}
