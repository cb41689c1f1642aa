using DalleOrleans.Grains.Devices;
using DalleOrleans.Model;
using DalleOrleans.Web.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace DalleOrleans.Web.Tests;

/// <summary>
/// A second web app, configured as an exposed deployment would be: an API key, a small per-IP rate limit, a small
/// device queue (8 candidate streams) and at most 2 running generations, so overload is reachable with a few requests.
/// Each test talks from its own loopback address, so their rate-limit budgets do not mix.
/// </summary>
public sealed class GuardedWebAppFixture : IAsyncLifetime
{
    public const string ApiKey = "test-key-0123456789abcdef";
    public const int RateLimit = 5, MaxQueuedStreams = 8, MaxRunning = 2;

    public WebApplication App { get; private set; } = null!;
    public Uri BaseAddress { get; private set; } = null!;
    public WebOptions Options { get; private set; } = null!;

    /// <summary>The embedded silo's device executor (the app's services are the silo's).</summary>
    public DeviceExecutor Executor => App.Services.GetRequiredService<DeviceHost>().Executors.Single();

    public async Task InitializeAsync()
    {
        Options = new WebOptions
        {
            ModelPath = DalleOrleans.Testing.SharedTinyModel.Folder, Urls = "http://127.0.0.1:0", ApiKey = ApiKey, RateLimit = RateLimit, RateWindowSeconds = 3600,
            MaxQueuedStreams = MaxQueuedStreams, MaxRunning = MaxRunning,
        };
        App = WebAppFactory.Build(Options);
        await App.StartAsync();
        BaseAddress = WebAppFactory.BoundAddress(App);
        using var http = new HttpClient { BaseAddress = BaseAddress };
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!(await http.GetAsync("/api/health")).IsSuccessStatusCode)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("the guarded web app was not ready within 60 s");
            await Task.Delay(100);
        }
    }

    /// <summary>A client posting from <paramref name="localAddress"/>, with the API key unless told otherwise.</summary>
    public HttpClient Client(string localAddress, bool withKey = true)
    {
        var http = LoopbackClient.From(BaseAddress, localAddress);
        if (withKey) http.DefaultRequestHeaders.Add("X-Api-Key", ApiKey);
        return http;
    }

    public async Task DisposeAsync()
    {
        if (App is not null)
        {
            using var stopping = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            await App.StopAsync(stopping.Token);
            await App.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class GuardedCollection : ICollectionFixture<GuardedWebAppFixture>
{
    public const string Name = "guarded web";
}
