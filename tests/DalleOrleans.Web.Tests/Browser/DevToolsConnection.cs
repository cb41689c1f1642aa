using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace DalleOrleans.Web.Tests.Browser;

public sealed class DevToolsException(string message) : Exception(message);

/// <summary>
/// The Chrome DevTools protocol over one WebSocket to the browser endpoint: JSON commands {id, method, params,
/// sessionId} answered by {id, result | error}. Page targets are reached in "flatten" mode, by sessionId on this
/// same socket. Events are not needed by the tests except the page's errors, which are kept for failure messages.
/// </summary>
public sealed class DevToolsConnection : IAsyncDisposable
{
    static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(30);

    readonly ClientWebSocket _socket = new();
    readonly ConcurrentDictionary<int, TaskCompletionSource<JsonElement>> _pending = new();
    readonly SemaphoreSlim _sendLock = new(1, 1);           // a WebSocket allows one send at a time
    readonly CancellationTokenSource _stop = new();
    readonly ConcurrentQueue<string> _pageErrors = new();
    Task _receiving = Task.CompletedTask;
    int _nextId;

    /// <summary>Uncaught exceptions and console errors the page reported (Runtime domain events).</summary>
    public IReadOnlyCollection<string> PageErrors => _pageErrors;

    public static async Task<DevToolsConnection> ConnectAsync(Uri endpoint, CancellationToken cancellation)
    {
        var connection = new DevToolsConnection();
        connection._socket.Options.KeepAliveInterval = TimeSpan.Zero;
        await connection._socket.ConnectAsync(endpoint, cancellation);
        connection._receiving = Task.Run(connection.ReceiveLoopAsync);
        return connection;
    }

    public async Task<JsonElement> SendAsync(string method, object? parameters = null, string? sessionId = null)
    {
        int id = Interlocked.Increment(ref _nextId);
        var message = new JsonObject { ["id"] = id, ["method"] = method, ["params"] = JsonSerializer.SerializeToNode(parameters ?? new { }) };
        if (sessionId is not null) message["sessionId"] = sessionId;
        var reply = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = reply;
        await _sendLock.WaitAsync();
        try
        {
            await _socket.SendAsync(Encoding.UTF8.GetBytes(message.ToJsonString()), WebSocketMessageType.Text, true, _stop.Token);
        }
        finally
        {
            _sendLock.Release();
        }
        try
        {
            return await reply.Task.WaitAsync(CommandTimeout);
        }
        catch (TimeoutException)
        {
            throw new DevToolsException($"{method}: no answer within {CommandTimeout.TotalSeconds} s");
        }
        finally
        {
            _pending.TryRemove(id, out _);
        }
    }

    async Task ReceiveLoopAsync()
    {
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        try
        {
            while (_socket.State == WebSocketState.Open)
            {
                var frame = await _socket.ReceiveAsync(buffer, _stop.Token);
                if (frame.MessageType == WebSocketMessageType.Close) break;
                message.Write(buffer, 0, frame.Count);
                if (!frame.EndOfMessage) continue;      // screenshots arrive in many frames
                Dispatch(message.ToArray());
                message.SetLength(0);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException) { }
        foreach (var pending in _pending.Values) pending.TrySetException(new DevToolsException("the DevTools connection closed"));
    }

    void Dispatch(byte[] utf8)
    {
        using var document = JsonDocument.Parse(utf8);
        var root = document.RootElement;
        if (root.TryGetProperty("id", out var id))
        {
            if (!_pending.TryGetValue(id.GetInt32(), out var reply)) return;
            if (root.TryGetProperty("error", out var error))
                reply.TrySetException(new DevToolsException(error.GetProperty("message").GetString() ?? error.ToString()));
            else
                reply.TrySetResult(root.TryGetProperty("result", out var result) ? result.Clone() : default);
            return;
        }
        string method = root.TryGetProperty("method", out var m) ? m.GetString() ?? "" : "";
        if (method == "Runtime.exceptionThrown")
            _pageErrors.Enqueue(root.GetProperty("params").GetProperty("exceptionDetails").ToString());
        else if (method == "Runtime.consoleAPICalled" && root.GetProperty("params").GetProperty("type").GetString() == "error")
            _pageErrors.Enqueue(root.GetProperty("params").GetProperty("args").ToString());
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_socket.State == WebSocketState.Open)
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(2));
        }
        catch (Exception e) when (e is WebSocketException or TimeoutException or OperationCanceledException) { }
        _stop.Cancel();         // after the close: cancelling a receive aborts the socket
        await _receiving.WaitAsync(TimeSpan.FromSeconds(2)).ContinueWith(_ => { });
        _socket.Dispose();
        _stop.Dispose();
    }
}
