using DalleOrleans.Silo;
using DalleOrleans.Web.Hosting;
using YamlDotNet.RepresentationModel;

namespace DalleOrleans.Deploy.Tests;

/// <summary>deploy/docker-compose.yml: Redis, two CPU silos (and an optional GPU one), the web front end, all wired by real keys.</summary>
public sealed class ComposeTests
{
    const string File = "deploy/docker-compose.yml";
    static readonly YamlNode Services = Yaml.LoadAll(File).Single().Need("services", File);

    static YamlNode Service(string name) => Services.Need(name, File);
    static IEnumerable<(string Name, YamlNode Node)> Silos => Services.Entries().Where(s => (s.Value.Get("image").Text() ?? "").StartsWith("dalle-silo"));

    static Dictionary<string, string> Environment(YamlNode service)
    {
        var env = service.Get("environment");
        Assert.True(env is null or YamlMappingNode, $"{File}: write environment as a mapping (KEY: value)");
        return env.Entries().ToDictionary(e => e.Key, e => e.Value.Text() ?? "");
    }

    /// <summary>Container ports a service publishes ("127.0.0.1:8080:8080" → 8080) and exposes.</summary>
    static (HashSet<int> Published, HashSet<int> Exposed) Ports(YamlNode service) => (
        service.Get("ports").Strings().Select(p => int.Parse(p.Split(':')[^1].Split('/')[0])).ToHashSet(),
        service.Get("expose").Strings().Select(int.Parse).ToHashSet());

    static SiloConfiguration Resolve(YamlNode service) =>
        SiloKeys.Resolve(Dockerfile.Load(DockerfileTests.SiloDockerfile).Environment(), Environment(service));

    [Fact]
    public void HasRedisTwoCpuSilosAndTheWebFrontEnd()
    {
        Assert.Equal("6379", Service("redis").Get("expose").Strings().Single());
        var cpuSilos = Silos.Where(s => s.Node.Get("profiles") is null).Select(s => s.Name).ToList();
        Assert.Equal(2, cpuSilos.Count);
        Assert.All(cpuSilos, s => Assert.All(Resolve(Service(s)).Devices.EffectiveDevices, d => Assert.Equal("cpu", d)));
        Assert.NotNull(Services.Get("web"));
    }

    /// <summary>The cache's Redis is bounded and evicts least recently used results; membership's never evicts.</summary>
    [Fact]
    public void TheCacheHasItsOwnBoundedRedisAndMembershipsNeverEvicts()
    {
        var cache = Service("redis-cache").Get("command").Strings().ToList();
        Assert.Equal("6379", Service("redis-cache").Get("expose").Strings().Single());
        Assert.Equal("allkeys-lru", cache[cache.IndexOf("--maxmemory-policy") + 1]);
        Assert.Matches("^[0-9]+(mb|gb)$", cache[cache.IndexOf("--maxmemory") + 1]);
        var membership = Service("redis").Get("command").Strings().ToList();
        Assert.DoesNotContain("--maxmemory-policy", membership);
    }

    [Fact]
    public void SiloEnvironmentUsesOnlyRealKeysAndPassesTheSilosValidation()
    {
        foreach (var (name, node) in Silos)
        {
            var env = Environment(node);
            SiloKeys.AssertKnown(env.Keys, $"{File} service {name}");
            var settings = Resolve(node);
            Assert.Equal(name, settings.Cluster.AdvertisedAddress);              // peers reach it by its service name
            Assert.Equal("0.0.0.0", settings.Http.Address);
            Assert.True(settings.Http.Enabled, $"{name}: the operations listener is off");
            Assert.True(settings.Cluster.Redis == "redis:6379", $"{name}: Cluster:Redis is '{settings.Cluster.Redis}', not the membership redis service (redis:6379)");
            Assert.True(settings.Cache.Redis == "redis-cache:6379", $"{name}: Cache:Redis is '{settings.Cache.Redis}', not the cache's own redis-cache service (redis-cache:6379)");
            var mounts = node.Get("volumes").Strings().Select(v => v.Split(':')[1]).ToList();
            Assert.Contains(mounts, m => settings.Devices.Path.StartsWith(m.TrimEnd('/') + "/", StringComparison.Ordinal));
            var (published, exposed) = Ports(node);
            Assert.True(settings.Ports.Values.ToHashSet().SetEquals(exposed), $"{name}: expose {string.Join(",", exposed)} but the silo listens on {string.Join(",", settings.Ports.Values)}");
            Assert.Equal(new HashSet<int> { settings.Http.Port }, published);   // only probes and metrics reach the host
        }
    }

    [Fact]
    public void EverySiloImageIsBuiltWithABackendThatMatchesItsDevices()
    {
        var builtBy = Silos.Where(s => s.Node.Get("build") is not null)
            .ToDictionary(s => s.Node.Get("image").Text()!, s => s.Node.Get("build")!);
        foreach (var (image, build) in builtBy)
        {
            Assert.Equal("..", build.Get("context").Text());
            Assert.Equal(DockerfileTests.SiloDockerfile, build.Get("dockerfile").Text());
            var args = build.Get("args").Entries().ToDictionary(e => e.Key, e => e.Value.Text()!);
            var declared = Dockerfile.Load(DockerfileTests.SiloDockerfile).Args(0).Keys;
            Assert.All(args.Keys, a => Assert.Contains(a, declared));
            Assert.Contains(args["TORCH_BACKEND"], DockerfileTests.TorchBackends);
            Assert.EndsWith(":" + args["TORCH_BACKEND"], image);
        }
        foreach (var (name, node) in Silos)
        {
            string image = node.Get("image").Text()!;
            Assert.True(builtBy.ContainsKey(image), $"{name}: no service builds its image {image}");
            bool cuda = Resolve(node).Devices.EffectiveDevices.Any(d => d.Contains("cuda"));
            Assert.Equal(cuda, image.EndsWith(":cuda"));
            var gpus = node.Get("deploy")?.Get("resources")?.Get("reservations")?.Get("devices").Items().ToList() ?? [];
            Assert.Equal(cuda, gpus.Any(g => g.Get("driver").Text() == "nvidia"));
        }
    }

    [Fact]
    public void WebCommandParsesAndPointsAtRedisAndTheSilosCluster()
    {
        var web = Service("web");
        Assert.Equal(DockerfileTests.WebDockerfile, web.Need("build", File).Get("dockerfile").Text());
        var options = WebOptions.Parse(web.Get("command").Strings());
        Assert.Equal("redis:6379", options.Cluster);
        var silo = Resolve(Service(Silos.First().Name));
        Assert.Equal((silo.Cluster.ClusterId, silo.Cluster.ServiceId), (options.ClusterId, options.ServiceId));
        var url = new Uri(options.Urls.Split(';').Single());
        Assert.Equal("0.0.0.0", url.Host);
        var (published, exposed) = Ports(web);
        Assert.Equal(new HashSet<int> { url.Port }, exposed);
        Assert.Equal(new HashSet<int> { url.Port }, published);
    }
}
