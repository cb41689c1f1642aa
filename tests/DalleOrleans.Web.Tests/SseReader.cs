namespace DalleOrleans.Web.Tests;

public sealed record ServerEvent(string Name, string Data);

/// <summary>Reads a text/event-stream to its end (the API closes it after "done" or "error"), as an EventSource would.</summary>
public static class SseReader
{
    public static async Task<List<ServerEvent>> ReadAllAsync(Stream stream, CancellationToken cancellation)
    {
        var events = new List<ServerEvent>();
        using var reader = new StreamReader(stream);
        string name = "message";
        var data = new List<string>();
        while (await reader.ReadLineAsync(cancellation) is { } line)
        {
            if (line.Length == 0)
            {
                if (data.Count > 0) events.Add(new ServerEvent(name, string.Join('\n', data)));
                (name, data) = ("message", new List<string>());
            }
            else if (line.StartsWith(':')) { }                                   // comment: heartbeat
            else if (line.StartsWith("event:")) name = line["event:".Length..].Trim();
            else if (line.StartsWith("data:")) data.Add(line["data:".Length..].TrimStart());
        }
        return events;
    }
}
