using DalleOrleans.Grains;
using DalleOrleans.Silo;
using DalleOrleans.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Orleans;

namespace DalleOrleans.Deploy.Tests;

/// <summary>
/// A real dalle-silo host in this process (SiloApp, as the program builds it): localhost clustering on free ports, the
/// shared tiny model, its operations listener on a free loopback port. Extra --Key=value arguments configure the rest.
/// </summary>
public sealed class SiloHost : IAsyncDisposable
{
    public WebApplication App { get; }
    public SiloConfiguration Settings { get; }
    public HttpClient Http { get; }
    public GenerationClient Client => new(App.Services.GetRequiredService<IGrainFactory>());

    SiloHost(WebApplication app, SiloConfiguration settings)
    {
        App = app;
        Settings = settings;
        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{settings.Http.Port}"), Timeout = TimeSpan.FromSeconds(30) };
    }

    public static async Task<SiloHost> StartAsync(params string[] extra)
    {
        string[] args =
        [
            $"--Model:Path={SharedTinyModel.Folder}", "--Model:MaxBatchRows=16",
            $"--Cluster:SiloPort={FreePort.Next()}", $"--Cluster:GatewayPort={FreePort.Next()}", $"--Cluster:ClusterId=ops-{Guid.NewGuid():N}",
            $"--Http:Port={FreePort.Next()}", "--Torch:Threads=1",
            .. extra,
        ];
        var (app, settings) = SiloApp.Build(args);
        await app.StartAsync();
        return new SiloHost(app, settings);
    }

    /// <summary>Polls /readyz until it answers 200 (the model loads and the silo joins a moment after start).</summary>
    public async Task<string> WaitUntilReadyAsync(TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (true)
        {
            using var response = await Http.GetAsync("/readyz");
            string body = await response.Content.ReadAsStringAsync();
            if (response.IsSuccessStatusCode) return body;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"the silo was not ready in time: {body}");
            await Task.Delay(100);
        }
    }

    public async Task<PrometheusText> ScrapeAsync()
    {
        using var response = await Http.GetAsync("/metrics");
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        return PrometheusText.Parse(await response.Content.ReadAsStringAsync());
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        using var stopping = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await App.StopAsync(stopping.Token);
        await App.DisposeAsync();
    }
}
