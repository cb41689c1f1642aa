using System.Net;
using System.Text.Json;
using DalleOrleans.Abstractions;
using DalleOrleans.Silo;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.Extensions.DependencyInjection;

namespace DalleOrleans.Deploy.Tests;

/// <summary>One running silo host with the dashboard on, shared by the tests of its operations endpoints.</summary>
public sealed class DashboardSiloFixture : IAsyncLifetime
{
    public SiloHost Silo { get; private set; } = null!;
    public int DashboardPort { get; } = DalleOrleans.Grains.FreePort.Next();

    public async Task InitializeAsync()
    {
        Silo = await SiloHost.StartAsync("--Dashboard:Enabled=true", $"--Dashboard:Port={DashboardPort}");
        await Silo.WaitUntilReadyAsync();
    }

    public async Task DisposeAsync()
    {
        if (Silo is not null) await Silo.DisposeAsync();
    }
}

/// <summary>The silo host's /healthz, /readyz, /metrics and dashboard, over real HTTP against a real silo.</summary>
public sealed class SiloHostTests(DashboardSiloFixture fixture) : IClassFixture<DashboardSiloFixture>
{
    SiloHost Silo => fixture.Silo;

    [Fact]
    public async Task HealthzSaysAlive()
    {
        using var response = await Silo.Http.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("alive", body.RootElement.GetProperty("status").GetString());
    }

    [Fact]
    public async Task ReadyzListsModelSiloAndTheKnowinglyDisabledCache()
    {
        using var response = await Silo.Http.GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("ready", body.RootElement.GetProperty("status").GetString());
        Assert.Equal(0, body.RootElement.GetProperty("notReady").GetArrayLength());
        var checks = body.RootElement.GetProperty("checks");
        Assert.Equal(new[] { "cache", "model", "silo" }, checks.EnumerateObject().Select(c => c.Name).Order());
        Assert.Contains("tiny-test", checks.GetProperty("model").GetProperty("detail").GetString());
        Assert.Contains("in-memory", checks.GetProperty("cache").GetProperty("detail").GetString());
        Assert.Contains("active", checks.GetProperty("silo").GetProperty("detail").GetString());
    }

    [Fact]
    public async Task MetricsMoveWithAGenerationAndACacheHit()
    {
        var before = await Silo.ScrapeAsync();
        var request = new GenerationRequest { Prompt = "a white circle", Candidates = 3, Top = 1, Seed = 424242 };
        await Silo.Client.WaitForDevicesAsync(1);
        await Silo.Client.GenerateAsync(request);
        await Silo.Client.GenerateAsync(request);
        var after = await Silo.ScrapeAsync();

        Assert.True(after.Sum("dalle_device_image_tokens_total") >= before.Sum("dalle_device_image_tokens_total") + 3 * 16, "image tokens counted");
        Assert.True(after.Sum("dalle_cache_misses_total") > before.Sum("dalle_cache_misses_total"), "the first request is a miss");
        Assert.True(after.Sum("dalle_cache_hits_total") > before.Sum("dalle_cache_hits_total"), "the repeat is a hit");
        Assert.True(after.Sum("dalle_device_batch_size_count") > before.Sum("dalle_device_batch_size_count"), "batch sizes recorded");
        foreach (var stage in new[] { "cache_lookup", "tokens", "decode", "rerank", "total" })
            Assert.True(after.Sum("dalle_generation_stage_duration_seconds_count", ("dalle_stage", stage)) >
                        before.Sum("dalle_generation_stage_duration_seconds_count", ("dalle_stage", stage)), $"stage {stage} timed");
        Assert.True(after.Has("dalle_device_queue_depth") && after.Has("dalle_device_active_streams"), "device gauges exported");
        Assert.Contains("dalle_device_image_tokens_total", after.Types);
    }

    [Fact]
    public async Task DashboardServesOnItsOwnPortOnly()
    {
        using var dashboard = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{fixture.DashboardPort}"), Timeout = TimeSpan.FromSeconds(30) };
        using var page = await dashboard.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        using var probeOnDashboardPort = await dashboard.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.NotFound, probeOnDashboardPort.StatusCode);
        using var dashboardOnOperationsPort = await Silo.Http.GetAsync("/");
        Assert.Equal(HttpStatusCode.NotFound, dashboardOnOperationsPort.StatusCode);
    }
}

/// <summary>Configuration of the operations listener: clear errors, and no listener at all when it is off.</summary>
public sealed class SiloHttpSettingsTests
{
    [Theory]
    [InlineData("--Http:Port=70000", "Http:Port is 70000; it must be between 1 and 65535")]
    [InlineData("--Http:Port=11111", "Cluster:SiloPort and Http:Port are both 11111")]
    [InlineData("--Http:Address=localhost", "Http:Address 'localhost' is not an IP address")]
    [InlineData("--Dashboard:Enabled=true --Dashboard:Port=8080", "Http:Port and Dashboard:Port are both 8080")]
    [InlineData("--Dashboard:Enabled=true --Dashboard:Port=0", "Dashboard:Port is 0")]
    [InlineData("--Cluster:AdvertisedAddress=silo1:11111", "Cluster:AdvertisedAddress 'silo1:11111'")]
    [InlineData("--Model:DrainSeconds=0", "Model:DrainSeconds is 0; it must be between 1 and 3600")]
    public void BadSettingsNameTheKeyAndItsLimit(string arguments, string message)
    {
        var e = Assert.Throws<ArgumentException>(() => SiloApp.Build(arguments.Split(' ')));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public async Task PortZeroWithoutDashboardListensNowhere()
    {
        var (app, settings) = SiloApp.Build([$"--Model:Path={DalleOrleans.Testing.SharedTinyModel.Folder}", "--Http:Port=0"]);
        await using (app)
        {
            Assert.False(settings.Http.Enabled);
            Assert.IsType<NoServer>(app.Services.GetRequiredService<IServer>());
        }
    }

    [Fact]
    public async Task StoppingWaitsModelDrainSecondsForTheDevicesToDrain()
    {
        var (app, _) = SiloApp.Build([$"--Model:Path={DalleOrleans.Testing.SharedTinyModel.Folder}", "--Http:Port=0", "--Model:DrainSeconds=95"]);
        await using (app)
            Assert.Equal(TimeSpan.FromSeconds(95), app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<Microsoft.Extensions.Hosting.HostOptions>>().Value.ShutdownTimeout);
    }
}
