using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using DalleOrleans.Web.Generations;

namespace DalleOrleans.Web.Api;

/// <summary>
/// GET /api/generations/{id}/events, written by the framework's server-sent-events result: "progress" events (a
/// <see cref="ProgressView"/>) whenever the job moves, then exactly one "done" (the full <see cref="GenerationView"/>)
/// or "error" (an <see cref="ErrorView"/>), after which the stream ends. A finished job answers with its last progress
/// and the final event at once; a ticket withdrawn by DELETE ends with its "cancelled" error.
/// </summary>
public static class EventStream
{
    /// <summary>The latest progress is sent again after this much quiet, so proxies and browsers keep a long stream open.</summary>
    static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(15);

    public static async IAsyncEnumerable<SseItem<object>> Events(GenerationTicket ticket, [EnumeratorCancellation] CancellationToken cancellation)
    {
        ProgressView? sent = null;
        while (true)
        {
            var state = ticket.Snapshot();
            var progress = GenerationViews.Progress(ticket.Id, state.Progress);
            if (progress != sent)
            {
                yield return new SseItem<object>(progress, "progress");
                sent = progress;
            }
            if (state.Status == JobStatus.Done)
            {
                yield return new SseItem<object>(GenerationViews.Of(ticket, state), "done");
                yield break;
            }
            if (state.Status == JobStatus.Failed)
            {
                yield return new SseItem<object>(GenerationViews.Error(state.Error!), "error");
                yield break;
            }
            bool readerGone = false;
            try
            {
                // WaitAsync's timer is dropped as soon as the job changes, unlike a Task.Delay per event.
                await ticket.Job.WaitForChangeAsync(state.Version, cancellation).WaitAsync(Heartbeat, cancellation);
            }
            catch (TimeoutException)
            {
                sent = null;                     // quiet for a while: repeat the progress as a heartbeat
            }
            catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
            {
                readerGone = true;               // the reader went away; the generation itself goes on
            }
            if (readerGone) yield break;
        }
    }
}
