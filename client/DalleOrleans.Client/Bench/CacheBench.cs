using System.CommandLine;
using DalleOrleans.Grains.Cache;
using Spectre.Console;

namespace DalleOrleans.Client.Bench;

/// <summary>
/// `dalle bench cache`: what a cache hit costs through the cluster, with a real Redis. Without --cluster it starts its own
/// redis-server on a free loopback port and an embedded silo whose results cache is that Redis (Cache:Redis), as a silo
/// configured for Redis runs. It first generates --keys distinct results (1 candidate each), then asks for them again:
/// --hits one at a time (latency percentiles) and --hits with --concurrency callers (hits/s). Every measured request must
/// be a hit; the full path is measured: the client's model lookup, the generation grain, its Redis GET and the result's
/// trip back with its PNGs.
/// </summary>
public static class CacheBench
{
    public sealed record Settings(string? Cluster, string Model, int Hits, int Concurrency, int Keys, int Seed)
    {
        public void Validate()
        {
            if (Hits is < 1 or > 1_000_000) throw new ArgumentException($"--hits is {Hits}; it must be between 1 and 1000000.");
            if (Concurrency is < 1 or > 1024) throw new ArgumentException($"--concurrency is {Concurrency}; it must be between 1 and 1024.");
            if (Keys is < 1 or > 10_000) throw new ArgumentException($"--keys is {Keys}; it must be between 1 and 10000.");
            if (Seed < 0) throw new ArgumentException($"--seed is {Seed}; it must be 0 or more.");
            if (string.IsNullOrWhiteSpace(Cluster) && !Directory.Exists(Model)) throw new ArgumentException($"--model: the model folder '{Model}' does not exist.");
        }
    }

    public static Command Create()
    {
        var cluster = new Option<string?>("--cluster") { Description = "Redis connection string of a running cluster whose silos cache in Redis (default: own redis-server + embedded silo)." };
        var model = new Option<string>("--model") { Description = "Model folder of the embedded silo.", DefaultValueFactory = _ => "models/shapes-v2" };
        var hits = new Option<int>("--hits") { Description = "Hits measured in each phase (1..1000000).", DefaultValueFactory = _ => 10_000 };
        var concurrency = new Option<int>("--concurrency") { Description = "Concurrent callers in the throughput phase (1..1024).", DefaultValueFactory = _ => 32 };
        var keys = new Option<int>("--keys") { Description = "Distinct cached results the hits cycle through (1..10000).", DefaultValueFactory = _ => 64 };
        var seed = new Option<int>("--seed") { Description = "First seed of the cached requests.", DefaultValueFactory = _ => 0 };
        var json = new Option<string?>("--json") { Description = "Also write the reports as JSON to this file." };
        var command = new Command("cache", "Latency percentiles and hits/s of cache hits through the cluster with a real Redis.")
            { cluster, model, hits, concurrency, keys, seed, json };
        command.SetAction(async (p, ct) => await BenchCommand.Guard(async () =>
        {
            var settings = new Settings(p.GetValue(cluster), p.GetValue(model)!, p.GetValue(hits), p.GetValue(concurrency), p.GetValue(keys), p.GetValue(seed));
            settings.Validate();
            var (sequential, concurrent) = await RunAsync(settings, ct);
            await BenchCommand.WriteJson(p.GetValue(json), new { reports = new[] { sequential, concurrent } });
            return sequential.Errors + concurrent.Errors == 0 && sequential.CacheHitRate == 1 && concurrent.CacheHitRate == 1 ? 0 : 1;
        }));
        return command;
    }

    /// <summary>A throw-away redis-server on loopback, so the measurement needs nothing running beforehand.</summary>
    static Task<RedisServer> StartRedis()
    {
        try { RedisServer.FindExecutable(); }
        catch (InvalidOperationException e) { throw new ArgumentException($"--cluster: none given, and {e.Message}"); }
        return RedisServer.StartAsync();
    }

    public static async Task<(LoadReport Sequential, LoadReport Concurrent)> RunAsync(Settings s, CancellationToken ct)
    {
        s.Validate();
        await using var redis = string.IsNullOrWhiteSpace(s.Cluster) ? await StartRedis() : null;
        await using var connection = await ClusterConnection.OpenAsync(s.Cluster, s.Model, cancellation: ct,
            cache: redis is null ? null : new CacheSettings { Redis = redis.ConnectionString });
        Func<Abstractions.GenerationRequest, CancellationToken, Task<Abstractions.GenerationResult>> generate = (r, token) => connection.Client.GenerateAsync(r, cancellation: token);

        // The results the hits will ask for: one candidate each, generated through the cluster so they land in its cache.
        var plan = new LoadPlan(Math.Min(16, s.Keys), s.Keys, null, s.Keys, Candidates: 1, Top: 1, s.Seed);
        var filled = await LoadRunner.RunAsync("fill", plan, generate, ct);
        if (filled.Errors > 0) throw new InvalidOperationException($"filling the cache failed: {filled.FirstError}");
        if (!(await generate(plan.RequestFor(0), ct)).CacheHit)
            throw new InvalidOperationException("a repeated request was not a cache hit: is the cluster's cache configured (Cache:Redis)?");
        await LoadRunner.RunAsync("warm-up", plan with { Concurrency = 4, Requests = Math.Min(1000, s.Hits) }, generate, ct);   // JIT, activations

        string load = MachineState.LoadAverage();
        var sequential = await LoadRunner.RunAsync("hits, 1 at a time", plan with { Concurrency = 1, Requests = s.Hits }, generate, ct);
        var concurrent = await LoadRunner.RunAsync($"hits, {s.Concurrency} at a time", plan with { Concurrency = s.Concurrency, Requests = s.Hits }, generate, ct);

        AnsiConsole.MarkupLineInterpolated(
            $"cache: {(redis is null ? "the cluster's Redis" : $"redis-server on 127.0.0.1:{redis.Port}")}; {s.Keys} distinct results; load average {load} → {MachineState.LoadAverage()}");
        BenchCommand.Print(new[] { sequential, concurrent });
        AnsiConsole.MarkupLineInterpolated(
            $"cache hit: p50 [bold]{sequential.P50Ms:F2} ms[/], p99 [bold]{sequential.P99Ms:F2} ms[/] one at a time; [bold]{concurrent.RequestsPerSecond:F0} hits/s[/] with {s.Concurrency} callers (p99 {concurrent.P99Ms:F2} ms)");
        return (sequential, concurrent);
    }
}
