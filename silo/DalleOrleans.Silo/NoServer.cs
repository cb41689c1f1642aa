using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;

namespace DalleOrleans.Silo;

/// <summary>
/// The server when Http:Port is 0 and the dashboard is off: it listens nowhere. Without it Kestrel, given no endpoint,
/// would fall back to http://localhost:5000.
/// </summary>
public sealed class NoServer : IServer
{
    public IFeatureCollection Features { get; } = new FeatureCollection();

    public NoServer() => Features.Set<IServerAddressesFeature>(new ServerAddressesFeature());

    public Task StartAsync<TContext>(IHttpApplication<TContext> application, CancellationToken cancellationToken) where TContext : notnull =>
        Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose() { }
}
