using DalleOrleans.Grains.Devices;
using DalleOrleans.Model;
using DalleOrleans.Web.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace DalleOrleans.Web.Tests;

/// <summary>
/// A second web app, configured as an exposed deployment would be: two API keys, small per-IP rate limits, a small
/// device queue (8 candidate streams), at most 2 running generations and 4 open event streams (2 per client), so
/// every limit is reachable with a few requests.
/// Each test talks from its own loopback address, so their rate-limit budgets do not mix.
/// </summary>
public sealed class GuardedWebAppFixture : IAsyncLifetime
{
    public const string ApiKey = "test-key-0123456789abcdef", OtherApiKey = "other-key-0123456789abcdef";
    public const int RateLimit = 5, ReadRateLimit = 300, MaxQueuedStreams = 8, MaxRunning = 2, MaxStreamsPerClient = 2, MaxStreams = 4;

    public WebApplication App { get; private set; } = null!;
    public Uri BaseAddress { get; private set; } = null!;
    public WebOptions Options { get; private set; } = null!;

    /// <summary>The embedded silo's device executor (the app's services are the silo's).</summary>
    public DeviceExecutor Executor => App.Services.GetRequiredService<DeviceHost>().Executors.Single();

    public async Task InitializeAsync()
    {
        Options = new WebOptions
        {
            ModelPath = DalleOrleans.Testing.SharedTinyModel.Folder, Urls = "http://127.0.0.1:0", ApiKeys = [ApiKey, OtherApiKey], RateLimit = RateLimit, RateWindowSeconds = 3600,
            ReadRateLimit = ReadRateLimit, MaxQueuedStreams = MaxQueuedStreams, MaxRunning = MaxRunning,
            MaxStreamsPerClient = MaxStreamsPerClient, MaxStreams = MaxStreams,
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

    /// <summary>A client posting from <paramref name="localAddress"/>, with the (first) API key unless told otherwise.</summary>
    public HttpClient Client(string localAddress, bool withKey = true, string key = ApiKey)
    {
        var http = LoopbackClient.From(BaseAddress, localAddress);
        if (withKey) http.DefaultRequestHeaders.Add("X-Api-Key", key);
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
