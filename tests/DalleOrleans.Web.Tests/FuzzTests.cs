using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using DalleOrleans.Web.Tests.Fuzz;
using Xunit.Abstractions;

namespace DalleOrleans.Web.Tests;

/// <summary>
/// Generated requests (mutated and random bodies, odd methods, paths, content types and headers, malformed raw HTTP)
/// against the running front end with its embedded silo: not one 5xx, no dropped connection, and afterwards the app
/// is healthy and still generates. 1,500 requests in the suite; FUZZ_REQUESTS=10000 (and FUZZ_SEED) for the long run.
/// </summary>
[Collection(WebCollection.Name)]
public sealed class FuzzTests(WebAppFixture web, ITestOutputHelper output)
{
    [Fact]
    public async Task GeneratedRequestsNeverGetA5xxAndTheAppStaysHealthy()
    {
        int total = int.TryParse(Environment.GetEnvironmentVariable("FUZZ_REQUESTS"), out var n) && n > 0 ? n : 1500;
        int seed = int.TryParse(Environment.GetEnvironmentVariable("FUZZ_SEED"), out var s) ? s : 20240610;
        var fuzzer = new RequestFuzzer(seed);
        var raw = new Random(seed + 1);
        var gate = new object();
        var ids = new List<string>();
        var statuses = new ConcurrentDictionary<int, int>();
        var kinds = new ConcurrentDictionary<string, int>();
        var failures = new ConcurrentQueue<string>();
        using var http = new HttpClient { BaseAddress = web.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        var clock = System.Diagnostics.Stopwatch.StartNew();

        string origin = web.BaseAddress.GetLeftPart(UriPartial.Authority);
        int next = -1;
        async Task Worker()
        {
            while (Interlocked.Increment(ref next) < total)
            {
                FuzzRequest request;
                bool rawHttp;
                lock (gate)
                {
                    rawHttp = raw.Next(100) < 3;
                    request = fuzzer.Next(ids);
                }
                if (rawHttp)
                {
                    Random local;
                    lock (gate) local = new Random(raw.Next());
                    // 0 = closed without an answer, which Kestrel may do for bytes that are not HTTP at all.
                    int status = await RawRequests.SendAsync(web.BaseAddress, local, CancellationToken.None);
                    // 505 is Kestrel's protocol answer to a request line claiming an HTTP version it does not speak
                    // ("HTTP/9.9"), sent before any app code runs: a refusal of the client's protocol, not a fault.
                    Record("raw http", status, status >= 500 && status != 505 ? $"raw request → {status}" : null);
                    continue;
                }
                try
                {
                    // Absolute, so a path starting with "//" stays a path rather than naming a host.
                    if (!Uri.TryCreate(origin + request.Path, UriKind.Absolute, out var uri))
                    {
                        Record("unsendable path", -2, null);
                        continue;
                    }
                    using var message = new HttpRequestMessage(request.Method, uri);
                    if (request.Body is not null)
                    {
                        message.Content = new ByteArrayContent(request.Body);
                        if (request.ContentType is not null) message.Content.Headers.TryAddWithoutValidation("Content-Type", request.ContentType);
                    }
                    foreach (var (name, value) in request.Headers)
                        if (!message.Headers.TryAddWithoutValidation(name, value)) message.Content?.Headers.TryAddWithoutValidation(name, value);
                    // Headers only: event streams of running generations are dropped mid-stream, as a leaving browser would.
                    using var response = await http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead);
                    int status = (int)response.StatusCode;
                    if (request.Method == HttpMethod.Post && status is 200 or 202)
                    {
                        var view = await response.Content.ReadFromJsonAsync<GenerationDto>();
                        lock (gate) ids.Add(view!.Id);
                    }
                    else if (status >= 500)
                        Record(request.Kind, status, $"{request.Method} {request.Path} [{request.ContentType}] → {status}: {await response.Content.ReadAsStringAsync()}");
                    if (status < 500) Record(request.Kind, status, null);
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
                {
                    Record(request.Kind, -1, $"{request.Method} {request.Path} [{request.ContentType}, {request.Body?.Length} bytes, {string.Join(",", request.Headers.Select(h => h.Name + "=" + h.Value.Length))}]: {e.GetType().Name}: {e.Message} / {e.InnerException?.Message} / {e.InnerException?.InnerException?.Message}");
                }
            }
        }

        void Record(string kind, int status, string? failure)
        {
            statuses.AddOrUpdate(status, 1, (_, c) => c + 1);
            kinds.AddOrUpdate(kind, 1, (_, c) => c + 1);
            if (failure is not null) failures.Enqueue(failure);
        }

        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(Worker)));
        clock.Stop();

        output.WriteLine($"{total} requests (seed {seed}) in {clock.Elapsed.TotalSeconds:F1} s; {ids.Count} generations started");
        output.WriteLine("statuses: " + string.Join(", ", statuses.OrderBy(p => p.Key).Select(p => $"{(p.Key == -2 ? "not sendable by HttpClient" : p.Key == -1 ? "transport error" : p.Key == 0 ? "closed" : p.Key.ToString())}×{p.Value}")));
        output.WriteLine("kinds: " + string.Join(", ", kinds.OrderBy(p => p.Key).Select(p => $"{p.Key}×{p.Value}")));
        foreach (var f in failures.Take(20)) output.WriteLine("FAIL " + f);

        Assert.Empty(failures);
        Assert.DoesNotContain(statuses.Keys, k => k >= 500 && k != 505);
        Assert.False(web.App.Lifetime.ApplicationStopping.IsCancellationRequested, "the app began stopping during the fuzz run");

        // The generations the run started finish (none hangs), then the app is still healthy and still generating.
        var store = (DalleOrleans.Web.Generations.GenerationStore)web.App.Services.GetService(typeof(DalleOrleans.Web.Generations.GenerationStore))!;
        var drained = DateTime.UtcNow.AddSeconds(300);       // generous: this machine's CPU may be shared
        var drainClock = System.Diagnostics.Stopwatch.StartNew();
        int lastPrint = -1;
        while (store.RunningCount > 0 && DateTime.UtcNow < drained)
        {
            if ((int)drainClock.Elapsed.TotalSeconds / 30 != lastPrint)
            {
                lastPrint = (int)drainClock.Elapsed.TotalSeconds / 30;
                foreach (var id in ids.Distinct())
                    if (store.FindTicket(id)?.Job is { IsFinished: false } j)
                        output.WriteLine($"DRAIN {drainClock.Elapsed.TotalSeconds:F0}s {id[..8]} {j.Request.Candidates}c g{j.Request.GuidanceScale} {j.Snapshot().Progress.Stage} {j.Snapshot().Progress.TokensDone}/{j.Snapshot().Progress.TokensTotal} age {(DateTimeOffset.UtcNow - j.Created).TotalSeconds:F0}s");
            }
            await Task.Delay(100);
        }
        output.WriteLine($"drained in {drainClock.Elapsed.TotalSeconds:F1} s");
        if (store.RunningCount > 0)
            foreach (var id in ids.Distinct())
            {
                var job = store.FindTicket(id)?.Job;
                if (job is { IsFinished: false })
                    output.WriteLine($"STILL RUNNING {id}: {job.Request} {job.Snapshot().Progress}");
            }
        Assert.Equal(0, store.RunningCount);
        using (var health = await http.GetAsync("/api/health")) Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        using var post = await http.PostAsJsonAsync("/api/generations", new { prompt = "a red circle after the storm", candidates = 2, top = 1, seed = 4242 });
        var done = await web.WaitForFinishAsync((await post.Content.ReadFromJsonAsync<GenerationDto>())!.Id);
        Assert.Equal("done", done.Status);
    }
}
