namespace DalleOrleans.Abstractions;

/// <summary>A trivial grain: proves a client reaches the cluster and which silo answered.</summary>
public interface IPingGrain : IGrainWithStringKey
{
    Task<PingReply> Ping(string message);
}

[GenerateSerializer, Alias("DalleOrleans.PingReply.v1")]
public sealed record PingReply(
    [property: Id(0)] string Message,
    [property: Id(1)] string Silo,
    [property: Id(2)] DateTimeOffset AnsweredAt);
