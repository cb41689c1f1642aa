using System.Net.ServerSentEvents;

namespace DalleOrleans.Web.Tests;

public sealed record ServerEvent(string Name, string Data);

/// <summary>Reads a text/event-stream to its end (the API closes it after "done" or "error") with System.Net.ServerSentEvents' parser.</summary>
public static class SseReader
{
    public static async Task<List<ServerEvent>> ReadAllAsync(Stream stream, CancellationToken cancellation)
    {
        var events = new List<ServerEvent>();
        await foreach (var item in SseParser.Create(stream).EnumerateAsync(cancellation))
            events.Add(new ServerEvent(item.EventType, item.Data));
        return events;
    }
}
