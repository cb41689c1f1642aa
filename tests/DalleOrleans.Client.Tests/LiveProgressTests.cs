using DalleOrleans.Abstractions;
using DalleOrleans.Client.Bench;

namespace DalleOrleans.Client.Tests;

/// <summary>
/// `bench` is not silent until its table: with stderr redirected, a plain progress line appears while requests are
/// still running. The load's second request waits on a gate that the test opens only after it has read a line
/// reporting the first request done, so the line provably came while the run was in progress.
/// </summary>
public class LiveProgressTests
{
    /// <summary>A stderr that completes <see cref="Seen"/> at the first line containing the text looked for.</summary>
    sealed class WatchedWriter(string lookFor) : StringWriter
    {
        readonly TaskCompletionSource<string> seen = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public Task<string> Seen => seen.Task;

        public override void WriteLine(string? value)
        {
            lock (this) base.WriteLine(value);
            if (value is not null && value.Contains(lookFor)) seen.TrySetResult(value);
        }
    }

    static GenerationResult Result(GenerationRequest r) => new() { Prompt = r.Prompt, Images = new[] { new GeneratedImage(1, 0, 0f, Array.Empty<byte>()) } };

    [Fact]
    public async Task APlainLineReportsRequestsDoneWhileTheRunIsStillGoing()
    {
        var error = new WatchedWriter("1/3 requests");
        var terminal = new Terminal(TextWriter.Null, error, interactive: false);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        int calls = 0;
        async Task<GenerationResult> Generate(GenerationRequest r, CancellationToken ct)
        {
            if (Interlocked.Increment(ref calls) > 1) await gate.Task;      // the first answers at once, the rest wait
            return Result(r);
        }
        var plan = new LoadPlan(Concurrency: 1, Requests: 3, Duration: null, UniquePrompts: 3, Candidates: 1, Top: 1);

        var run = LiveProgress.RunAsync(() => LoadRunner.RunAsync("gated", plan, Generate), terminal, every: TimeSpan.FromMilliseconds(20));
        string line = await error.Seen.WaitAsync(TimeSpan.FromMinutes(1));

        Assert.False(run.IsCompleted);                         // still waiting on the gate
        Assert.StartsWith("bench: gated (run 1): 1/3 requests, 0 error(s)", line);
        gate.SetResult();
        var report = await run;
        Assert.Equal((3, 0), (report.Requests, report.Errors));
    }
}
