using System.Text;
using System.Text.Json;
using DalleOrleans.Web.Generations;
using Microsoft.AspNetCore.Http.Features;

namespace DalleOrleans.Web.Api;

/// <summary>
/// GET /api/generations/{id}/events: server-sent events. "progress" events (a <see cref="ProgressView"/>) whenever the
/// job moves, then exactly one "done" (the full <see cref="GenerationView"/>) or "error" (an <see cref="ErrorView"/>),
/// after which the stream ends. A finished job answers with its last progress and the final event at once.
/// </summary>
public static class EventStream
{
    /// <summary>Comment lines keep proxies and browsers from dropping a quiet connection during a long generation.</summary>
    static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(15);

    public static async Task WriteAsync(HttpContext http, GenerationJob job, CancellationToken cancellation)
    {
        var response = http.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        http.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        try
        {
            await response.Body.FlushAsync(cancellation);        // headers now: the browser's EventSource opens at once
            ProgressView? sent = null;
            while (true)
            {
                var state = job.Snapshot();
                var progress = GenerationViews.Progress(job.Id, state.Progress);
                if (progress != sent)
                {
                    await SendAsync(response, "progress", progress, cancellation);
                    sent = progress;
                }
                if (state.Status == JobStatus.Done)
                {
                    await SendAsync(response, "done", GenerationViews.Of(job, state), cancellation);
                    return;
                }
                if (state.Status == JobStatus.Failed)
                {
                    var e = state.Error!;
                    await SendAsync(response, "error", new ErrorView(e.Status, e.Title, e.Detail, e.Field), cancellation);
                    return;
                }
                try
                {
                    // WaitAsync's timer is dropped as soon as the job changes, unlike a Task.Delay per event.
                    await job.WaitForChangeAsync(state.Version, cancellation).WaitAsync(Heartbeat, cancellation);
                }
                catch (TimeoutException)
                {
                    await WriteAsync(response, ": keep-alive\n\n", cancellation);
                }
            }
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            // The reader went away; the generation itself goes on.
        }
    }

    static Task SendAsync<T>(HttpResponse response, string eventName, T data, CancellationToken cancellation) =>
        // Serialized JSON has no raw newlines, so one data line carries the whole payload.
        WriteAsync(response, $"event: {eventName}\ndata: {JsonSerializer.Serialize(data, ApiJson.Options)}\n\n", cancellation);

    static async Task WriteAsync(HttpResponse response, string text, CancellationToken cancellation)
    {
        await response.Body.WriteAsync(Encoding.UTF8.GetBytes(text), cancellation);
        await response.Body.FlushAsync(cancellation);
    }
}
