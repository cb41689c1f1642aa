using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using DalleOrleans.Grains;
using DalleOrleans.Testing;
using DalleOrleans.Web.Api;
using DalleOrleans.Web.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace DalleOrleans.Web.Tests;

/// <summary>The front end's /healthz, /readyz and /metrics against the real embedded silo of the "web" fixture.</summary>
[Collection(WebCollection.Name)]
public sealed class OperationsEndpointsTests(WebAppFixture web)
{
    [Fact]
    public async Task HealthzSaysAliveAndReadyzReportsClusterModelSiloAndCache()
    {
        using (var live = await web.Http.GetAsync("/healthz"))
        {
            Assert.Equal(HttpStatusCode.OK, live.StatusCode);
            Assert.Contains("alive", await live.Content.ReadAsStringAsync());
        }
        using var ready = await web.Http.GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        using var body = JsonDocument.Parse(await ready.Content.ReadAsStringAsync());
        Assert.Equal("ready", body.RootElement.GetProperty("status").GetString());
        var checks = body.RootElement.GetProperty("checks");
        Assert.Equal(new[] { "cache", "cluster", "model", "silo", "web" }, checks.EnumerateObject().Select(c => c.Name).Order());
        Assert.Contains("serve model tiny-test", checks.GetProperty("cluster").GetProperty("detail").GetString());
    }

    [Fact]
    public async Task MetricsCountersMoveAfterAGeneration()
    {
        var before = await ScrapeAsync();
        using var post = await web.Http.PostAsJsonAsync("/api/generations", new { prompt = "a green square", candidates = 2, top = 1, seed = 90901 });
        Assert.Equal(HttpStatusCode.Accepted, post.StatusCode);
        var started = (await post.Content.ReadFromJsonAsync<GenerationDto>())!;
        Assert.Equal("done", (await web.WaitForFinishAsync(started.Id)).Status);
        var after = await ScrapeAsync();

        Assert.True(after.Sum("dalle_device_image_tokens_total") > before.Sum("dalle_device_image_tokens_total"), "image tokens counted");
        Assert.True(after.Sum("dalle_cache_misses_total") > before.Sum("dalle_cache_misses_total"), "cache lookup counted");
        Assert.True(after.Sum("dalle_generation_stage_duration_seconds_count", ("dalle_stage", "total")) >
                    before.Sum("dalle_generation_stage_duration_seconds_count", ("dalle_stage", "total")), "latency recorded");
    }

    async Task<PrometheusText> ScrapeAsync()
    {
        using var response = await web.Http.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return PrometheusText.Parse(await response.Content.ReadAsStringAsync());
    }
}

/// <summary>Which responses count as rejected requests, and that a real one moves the counter.</summary>
public sealed class RejectionCounterTests
{
    [Theory]
    [InlineData("POST", "/api/generations", 429, true)]
    [InlineData("POST", "/api/generations", 503, true)]
    [InlineData("POST", "/api/generations", 202, false)]
    [InlineData("POST", "/api/generations", 400, false)]
    [InlineData("GET", "/api/generations/abc", 503, false)]
    [InlineData("GET", "/readyz", 503, false)]
    public void OnlyRefusedGenerationPostsCount(string method, string path, int status, bool counted)
    {
        var http = new DefaultHttpContext();
        http.Request.Method = method;
        http.Request.Path = path;
        http.Response.StatusCode = status;
        Assert.Equal(counted, OperationsEndpoints.RejectionCounter.IsRejection(http));
    }

    [Fact]
    public async Task ARefusalFromAnyMiddlewareIsCounted()
    {
        long rejected = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (i, l) => { if (i.Meter.Name == DalleMetrics.MeterName && i.Name == "dalle.requests.rejected") l.EnableMeasurementEvents(i); };
        listener.SetMeasurementEventCallback<long>((_, v, tags, _) =>
        {
            foreach (var t in tags) if (t.Key == DalleMetrics.StatusTag && (int)t.Value! == 429) Interlocked.Add(ref rejected, v);
        });
        listener.Start();

        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddTransient<IStartupFilter, OperationsEndpoints.RejectionCounter>();
        await using var app = builder.Build();
        // A throttling middleware that answers before any endpoint runs, as a rate limiter does.
        app.Use((HttpContext http, RequestDelegate _) => { http.Response.StatusCode = StatusCodes.Status429TooManyRequests; return Task.CompletedTask; });
        await app.StartAsync();
        using var client = new HttpClient { BaseAddress = WebAppFactory.BoundAddress(app) };
        using var response = await client.PostAsync("/api/generations", new StringContent("{}"));
        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        await app.StopAsync();

        Assert.True(Interlocked.Read(ref rejected) >= 1, "the 429 was not counted");
    }
}
