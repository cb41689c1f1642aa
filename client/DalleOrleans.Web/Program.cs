using DalleOrleans.Grains;
using DalleOrleans.Web.Hosting;

// dalle-web: the web page and JSON API. Exit codes: 0 stopped normally, 1 could not start, 2 bad command line.
WebOptions options;
try
{
    options = WebOptions.Parse(args, Environment.GetEnvironmentVariable);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"dalle-web: {e.Message}");
    Console.Error.WriteLine(WebOptions.Usage);
    return 2;
}
if (options.ShowHelp)
{
    Console.WriteLine(WebOptions.Usage);
    return 0;
}

WebApplication app;
try
{
    app = WebAppFactory.Build(options);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"dalle-web: {e.Message}");
    return 2;
}

await using (app)
{
    var log = app.Logger;
    try
    {
        await app.StartAsync();
    }
    catch (Exception e) when (e is not OutOfMemoryException)
    {
        Console.Error.WriteLine($"dalle-web: could not start: {e.Message}");
        return 1;
    }
    foreach (var address in app.Urls) log.LogInformation("dalle-web listening on {Address} ({Mode})", address,
        options.Embedded ? $"embedded silo, model {options.ModelPath}" : "Orleans client");
    if (!WebAppFactory.LoopbackOnly(app) && options.ApiKey is null)
        log.LogWarning("dalle-web listens beyond loopback ({Urls}) without an API key: anyone who reaches it can start generations.", string.Join(", ", app.Urls));

    // Requests before a device registers get 503; say when the service is actually usable.
    _ = Task.Run(async () =>
    {
        try
        {
            await app.Services.GetRequiredService<GenerationClient>()
                .WaitForDevicesAsync(1, TimeSpan.FromSeconds(options.Embedded ? 120 : 30), app.Lifetime.ApplicationStopping);
            log.LogInformation("dalle-web ready: a device is registered.");
        }
        catch (TimeoutException e)
        {
            log.LogWarning("dalle-web: {Message}", e.Message);
        }
        catch (OperationCanceledException) { }
    });
    await app.WaitForShutdownAsync();
    return 0;
}
