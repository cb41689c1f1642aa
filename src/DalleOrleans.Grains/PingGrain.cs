using DalleOrleans.Abstractions;

namespace DalleOrleans.Grains;

public sealed class PingGrain(ILocalSiloDetails silo) : Grain, IPingGrain
{
    public Task<PingReply> Ping(string message) =>
        Task.FromResult(new PingReply(message, silo.SiloAddress.ToString(), DateTimeOffset.UtcNow));
}
