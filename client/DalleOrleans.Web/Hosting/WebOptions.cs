using System.Globalization;

namespace DalleOrleans.Web.Hosting;

/// <summary>
/// How `dalle-web` runs: which cluster it talks to (a Redis-clustered Orleans cluster, or an embedded silo serving a
/// model folder), where it listens, and how many finished generations it keeps.
/// </summary>
public sealed record WebOptions
{
    /// <summary>Loopback only: without an API key the API has no authentication, so exposing it is an explicit choice.</summary>
    public const string DefaultUrls = "http://127.0.0.1:5080";

    /// <summary>StackExchange.Redis connection string of a running cluster; empty = an embedded silo.</summary>
    public string? Cluster { get; init; }
    public string ClusterId { get; init; } = "dalle";
    public string ServiceId { get; init; } = "dalle-orleans";
    /// <summary>Model folder served by the embedded silo (ignored with <see cref="Cluster"/>).</summary>
    public string ModelPath { get; init; } = "models/shapes-v1";
    /// <summary>Semicolon-separated listen URLs; port 0 picks a free port (tests).</summary>
    public string Urls { get; init; } = DefaultUrls;
    /// <summary>Finished generations kept in memory for GET and image downloads; the cluster's cache keeps them longer.</summary>
    public int MaxResults { get; init; } = 200;
    /// <summary>Generations running at once from this front end; more are refused with 429 instead of queueing unbounded.</summary>
    public int MaxRunning { get; init; } = 32;
    /// <summary>Largest accepted POST body in bytes; larger ones get 413.</summary>
    public int MaxBodyBytes { get; init; } = 16 * 1024;
    /// <summary>Candidate streams the embedded silo's device lets wait for a batch row; past this a request gets 429.</summary>
    public int MaxQueuedStreams { get; init; } = 256;
    /// <summary>POSTs per client IP address per <see cref="RateWindowSeconds"/>; 0 turns the limiter off.</summary>
    public int RateLimit { get; init; } = 60;
    public int RateWindowSeconds { get; init; } = 60;
    /// <summary>
    /// When set, POST /api/generations needs it in the X-Api-Key header. Read from a file or the environment
    /// (<see cref="ApiKeyVariable"/>), never from the command line, where every local user could read it in the process list.
    /// </summary>
    public string? ApiKey { get; init; }
    public bool ShowHelp { get; init; }

    public const string ApiKeyVariable = "DALLE_WEB_API_KEY";

    public bool Embedded => string.IsNullOrWhiteSpace(Cluster);

    public const string Usage = """
        usage: dalle-web [--model <folder>] [--cluster <redis>] [--urls <urls>] [options]

          --model <folder>      model folder for the embedded silo (default models/shapes-v1)
          --cluster <redis>     Redis connection string of a running cluster; without it an embedded silo runs here
          --cluster-id <id>     Orleans ClusterId (default dalle)
          --service-id <id>     Orleans ServiceId (default dalle-orleans)
          --urls <urls>         listen URLs, ';'-separated (default http://127.0.0.1:5080, loopback only)
          --max-results <n>     finished generations kept in memory (default 200)
          --max-running <n>     generations running at once (default 32); more get 429
          --max-queued <n>      embedded silo: candidate streams waiting for a device (default 256); more get 429
          --max-body-bytes <n>  largest POST body (default 16384); larger get 413
          --rate-limit <n>      POSTs per client IP per window (default 60; 0 = off); more get 429
          --rate-window <s>     the rate limiter's window in seconds (default 60)
          --api-key-file <f>    require the key in this file as X-Api-Key on POST (or set DALLE_WEB_API_KEY)
          --help                this text
        """;

    /// <summary>
    /// Parses the command line; throws <see cref="ArgumentException"/> naming the option on any mistake.
    /// <paramref name="environment"/> supplies <see cref="ApiKeyVariable"/> (tests pass their own; null reads none).
    /// </summary>
    public static WebOptions Parse(IReadOnlyList<string> args, Func<string, string?>? environment = null)
    {
        var options = new WebOptions { ApiKey = Key(environment?.Invoke(ApiKeyVariable), ApiKeyVariable) };
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            string name = arg, value = "";
            int eq = arg.IndexOf('=');
            bool inline = arg.StartsWith("--", StringComparison.Ordinal) && eq > 0;
            if (inline) (name, value) = (arg[..eq], arg[(eq + 1)..]);
            if (name is "--help" or "-h")
            {
                options = options with { ShowHelp = true };
                continue;
            }
            if (!Known.Contains(name)) throw new ArgumentException($"unknown option '{arg}'.");
            if (!inline)
            {
                if (i + 1 >= args.Count) throw new ArgumentException($"{name} needs a value.");
                value = args[++i];
            }
            options = name switch
            {
                "--cluster" => options with { Cluster = value },
                "--cluster-id" => options with { ClusterId = NonEmpty(name, value) },
                "--service-id" => options with { ServiceId = NonEmpty(name, value) },
                "--model" => options with { ModelPath = NonEmpty(name, value) },
                "--urls" => options with { Urls = NonEmpty(name, value) },
                "--max-results" => options with { MaxResults = Count(name, value, 1, 100_000) },
                "--max-running" => options with { MaxRunning = Count(name, value, 1, 10_000) },
                "--max-queued" => options with { MaxQueuedStreams = Count(name, value, 1, 1_000_000) },
                "--max-body-bytes" => options with { MaxBodyBytes = Count(name, value, 1024, 1024 * 1024) },
                "--rate-limit" => options with { RateLimit = Count(name, value, 0, 1_000_000) },
                "--rate-window" => options with { RateWindowSeconds = Count(name, value, 1, 86_400) },
                "--api-key-file" => options with { ApiKey = Key(ReadKeyFile(name, value), name) },
                _ => throw new ArgumentException($"unknown option '{arg}'."),
            };
        }
        return options;
    }

    static readonly HashSet<string> Known = new(StringComparer.Ordinal)
    {
        "--cluster", "--cluster-id", "--service-id", "--model", "--urls", "--max-results", "--max-running",
        "--max-queued", "--max-body-bytes", "--rate-limit", "--rate-window", "--api-key-file",
    };

    /// <summary>A key is trimmed (files end in a newline); a short one is refused, since it could be guessed.</summary>
    static string? Key(string? value, string source)
    {
        if (value is null) return null;
        string key = value.Trim();
        if (key.Length == 0) return null;
        return key.Length >= 16 ? key : throw new ArgumentException($"{source}: the API key is {key.Length} characters; it must be at least 16.");
    }

    static string ReadKeyFile(string name, string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ArgumentException($"{name}: cannot read '{path}': {e.Message}");
        }
    }

    static string NonEmpty(string name, string value) =>
        string.IsNullOrWhiteSpace(value) ? throw new ArgumentException($"{name} must not be empty.") : value;

    static int Count(string name, string value, int min, int max) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n >= min && n <= max
            ? n
            : throw new ArgumentException($"{name} is '{value}'; it must be a whole number between {min} and {max}.");
}
