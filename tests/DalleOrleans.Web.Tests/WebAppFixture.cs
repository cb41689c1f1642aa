using System.Net.Http.Json;
using DalleOrleans.Model;
using DalleOrleans.Web.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;

namespace DalleOrleans.Web.Tests;

/// <summary>
/// One running web app for every test in the "web" collection: an embedded silo serving a tiny random model
/// (16×16 images) written to a temp folder, listening on a free loopback port.
/// </summary>
public sealed class WebAppFixture : IAsyncLifetime
{
    public WebApplication App { get; private set; } = null!;
    public Uri BaseAddress { get; private set; } = null!;
    public HttpClient Http { get; private set; } = null!;
    public WebOptions Options { get; private set; } = null!;

    public const int ImageSize = 16, ImageVocab = 16, PromptTokens = 16;

    /// <summary>Everything the app logs, at the levels its default configuration lets through.</summary>
    public CapturedLogs Logs { get; } = new();

    public async Task InitializeAsync()
    {
        // No rate limit here: the collection's tests (and the fuzz run) post far more than a person would.
        // GuardedWebAppFixture tests the limiter, the API key and overload.
        Options = new WebOptions { ModelPath = DalleOrleans.Testing.SharedTinyModel.Folder, Urls = "http://127.0.0.1:0", RateLimit = 0 };
        App = WebAppFactory.Build(Options, builder => builder.Logging.AddProvider(Logs));
        await App.StartAsync();
        BaseAddress = WebAppFactory.BoundAddress(App);
        Http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        await WaitUntilReadyAsync(TimeSpan.FromSeconds(60));
    }

    /// <summary>The silo registers its device a moment after start; /api/health says when.</summary>
    async Task WaitUntilReadyAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            using var response = await Http.GetAsync("/api/health");
            if (response.IsSuccessStatusCode) return;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"the web app was not ready within {timeout.TotalSeconds} s: {await response.Content.ReadAsStringAsync()}");
            await Task.Delay(100);
        }
    }

    /// <summary>Polls GET /api/generations/{id} until the generation is no longer running.</summary>
    public async Task<GenerationDto> WaitForFinishAsync(string id, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (true)
        {
            var generation = await Http.GetFromJsonAsync<GenerationDto>($"/api/generations/{id}");
            if (generation!.Status != "running") return generation;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"generation {id} still running: {generation.Progress}");
            await Task.Delay(50);
        }
    }

    public async Task DisposeAsync()
    {
        Http?.Dispose();
        if (App is not null)
        {
            using var stopping = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            await App.StopAsync(stopping.Token);
            await App.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class WebCollection : ICollectionFixture<WebAppFixture>
{
    public const string Name = "web";
}
