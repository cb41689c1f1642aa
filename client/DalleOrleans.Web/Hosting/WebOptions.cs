using Microsoft.Extensions.Configuration;

namespace DalleOrleans.Web.Hosting;

/// <summary>
/// How `dalle-web` runs: which cluster it talks to (a Redis-clustered Orleans cluster, or an embedded silo serving a
/// model folder), where it listens (HTTP or HTTPS), and the limits it puts on clients. Read from the command line by
/// the configuration system's command-line provider and bound by the configuration binder (<see cref="Parse"/>).
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
    public string ModelPath { get; init; } = "models/shapes-v2";
    /// <summary>Semicolon-separated listen URLs; port 0 picks a free port (tests). https URLs need <see cref="TlsCertificate"/>.</summary>
    public string Urls { get; init; } = DefaultUrls;
    /// <summary>PKCS#12 (.pfx) file with the certificate and key for https listen URLs.</summary>
    public string? TlsCertificate { get; init; }
    /// <summary>A file holding the certificate file's password (never on the command line).</summary>
    public string? TlsPasswordFile { get; init; }
    /// <summary>Finished generations kept in memory for GET and image downloads; the cluster's cache keeps them longer.</summary>
    public int MaxResults { get; init; } = 200;
    /// <summary>Generations running at once from this front end; more are refused with 429 instead of queueing unbounded.</summary>
    public int MaxRunning { get; init; } = 32;
    /// <summary>Largest accepted POST body in bytes; larger ones get 413.</summary>
    public int MaxBodyBytes { get; init; } = 16 * 1024;
    /// <summary>Candidate streams the embedded silo's device lets wait for a batch row; past this a request gets 429.</summary>
    public int MaxQueuedStreams { get; init; } = 256;
    /// <summary>POSTs and DELETEs per client IP address per <see cref="RateWindowSeconds"/>; 0 turns the limiter off.</summary>
    public int RateLimit { get; init; } = 60;
    public int RateWindowSeconds { get; init; } = 60;
    /// <summary>Reads (GET of a generation, its images, preview and event stream) per client IP per window; 0 = off.</summary>
    public int ReadRateLimit { get; init; } = 1200;
    /// <summary>Event streams open at once from one client IP; more get 429.</summary>
    public int MaxStreamsPerClient { get; init; } = 16;
    /// <summary>Event streams open at once in total; more get 429.</summary>
    public int MaxStreams { get; init; } = 512;
    /// <summary>A file of API keys, one per line (or <see cref="ApiKeyVariable"/>); see <see cref="ApiKeys"/>.</summary>
    public string? ApiKeyFile { get; init; }

    /// <summary>
    /// When any is set, every generation route needs one of them in the X-Api-Key header, and a generation is readable
    /// only with the key that created it. Read from a file or the environment, never from the command line, where every
    /// local user could read it in the process list.
    /// </summary>
    public IReadOnlyList<string> ApiKeys { get; init; } = [];

    /// <summary>One key (tests and simple setups): the same as <see cref="ApiKeys"/> with one entry.</summary>
    public string? ApiKey
    {
        get => ApiKeys.Count > 0 ? ApiKeys[0] : null;
        init => ApiKeys = value is null ? [] : [value];
    }

    public bool ShowHelp { get; init; }

    public const string ApiKeyVariable = "DALLE_WEB_API_KEY";

    public bool Embedded => string.IsNullOrWhiteSpace(Cluster);

    public const string Usage = """
        usage: dalle-web [--model <folder>] [--cluster <redis>] [--urls <urls>] [options]

          --model <folder>         model folder for the embedded silo (default models/shapes-v2)
          --cluster <redis>        Redis connection string of a running cluster; without it an embedded silo runs here
          --cluster-id <id>        Orleans ClusterId (default dalle)
          --service-id <id>        Orleans ServiceId (default dalle-orleans)
          --urls <urls>            listen URLs, ';'-separated (default http://127.0.0.1:5080, loopback only)
          --tls-cert <pfx>         certificate (PKCS#12) for https:// listen URLs
          --tls-password-file <f>  file holding the certificate's password
          --max-results <n>        finished generations kept in memory (default 200)
          --max-running <n>        generations running at once (default 32); more get 429
          --max-queued <n>         embedded silo: candidate streams waiting for a device (default 256); more get 429
          --max-body-bytes <n>     largest POST body (default 16384); larger get 413
          --rate-limit <n>         POSTs and DELETEs per client IP per window (default 60; 0 = off); more get 429
          --rate-window <s>        the rate limiters' window in seconds (default 60)
          --read-rate-limit <n>    reads per client IP per window (default 1200; 0 = off); more get 429
          --max-streams <n>        event streams open at once in total (default 512); more get 429
          --max-streams-per-client <n>  event streams open at once from one client IP (default 16); more get 429
          --api-key-file <f>       API keys, one per line, required as X-Api-Key (or set DALLE_WEB_API_KEY)
          --help                   this text
        """;

    /// <summary>Command-line switch → the property it binds.</summary>
    public static readonly IReadOnlyDictionary<string, string> Switches = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["--cluster"] = nameof(Cluster), ["--cluster-id"] = nameof(ClusterId), ["--service-id"] = nameof(ServiceId),
        ["--model"] = nameof(ModelPath), ["--urls"] = nameof(Urls), ["--tls-cert"] = nameof(TlsCertificate),
        ["--tls-password-file"] = nameof(TlsPasswordFile), ["--max-results"] = nameof(MaxResults),
        ["--max-running"] = nameof(MaxRunning), ["--max-queued"] = nameof(MaxQueuedStreams),
        ["--max-body-bytes"] = nameof(MaxBodyBytes), ["--rate-limit"] = nameof(RateLimit),
        ["--rate-window"] = nameof(RateWindowSeconds), ["--read-rate-limit"] = nameof(ReadRateLimit),
        ["--max-streams"] = nameof(MaxStreams), ["--max-streams-per-client"] = nameof(MaxStreamsPerClient),
        ["--api-key-file"] = nameof(ApiKeyFile),
    };

    /// <summary>
    /// Reads the command line through the configuration system and binds it; throws <see cref="ArgumentException"/>
    /// naming the option on any mistake. <paramref name="environment"/> supplies <see cref="ApiKeyVariable"/> (tests
    /// pass their own; null reads none).
    /// </summary>
    public static WebOptions Parse(IReadOnlyList<string> args, Func<string, string?>? environment = null)
    {
        if (args.Any(a => a is "--help" or "-h")) return new WebOptions { ShowHelp = true };
        CheckShape(args);
        IConfiguration config;
        try
        {
            config = new ConfigurationBuilder().AddCommandLine(args.ToArray(), Switches.ToDictionary()).Build();
        }
        catch (FormatException e)
        {
            throw new ArgumentException(e.Message);
        }
        WebOptions options;
        try
        {
            options = config.Get<WebOptions>() ?? new WebOptions();
        }
        catch (InvalidOperationException e)
        {
            // The binder names the key it could not convert ("... value at 'MaxResults' to type ..."): name the switch.
            var (name, key) = Switches.FirstOrDefault(s => e.Message.Contains($"'{s.Value}'", StringComparison.Ordinal));
            throw new ArgumentException(name is null ? e.Message : $"{name} is '{config[key]}'; it must be a whole number.");
        }
        var keys = new List<string>();
        if (Key(environment?.Invoke(ApiKeyVariable), ApiKeyVariable) is { } fromEnvironment) keys.Add(fromEnvironment);
        if (options.ApiKeyFile is { } file)
            keys.AddRange(ReadLines("--api-key-file", file).Select(line => Key(line, "--api-key-file")).OfType<string>());
        options = options with { ApiKeys = keys.Distinct().ToList() };
        options.Validate();
        return options;
    }

    /// <summary>Every argument is "--name value" or "--name=value" with a known name; the provider would skip the rest silently.</summary>
    static void CheckShape(IReadOnlyList<string> args)
    {
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            int eq = arg.IndexOf('=');
            string name = eq > 0 ? arg[..eq] : arg;
            if (!arg.StartsWith("--", StringComparison.Ordinal) || !Switches.ContainsKey(name))
                throw new ArgumentException($"unknown option '{arg}'.");
            if (eq > 0) continue;
            if (i + 1 >= args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal))
                throw new ArgumentException($"{name} needs a value.");
            i++;
        }
    }

    /// <summary>Ranges and non-empty values, each error naming its switch.</summary>
    public void Validate()
    {
        NonEmpty("--cluster-id", ClusterId);
        NonEmpty("--service-id", ServiceId);
        NonEmpty("--model", ModelPath);
        NonEmpty("--urls", Urls);
        Range("--max-results", MaxResults, 1, 100_000);
        Range("--max-running", MaxRunning, 1, 10_000);
        Range("--max-queued", MaxQueuedStreams, 1, 1_000_000);
        Range("--max-body-bytes", MaxBodyBytes, 1024, 1024 * 1024);
        Range("--rate-limit", RateLimit, 0, 1_000_000);
        Range("--rate-window", RateWindowSeconds, 1, 86_400);
        Range("--read-rate-limit", ReadRateLimit, 0, 1_000_000);
        Range("--max-streams", MaxStreams, 1, 1_000_000);
        Range("--max-streams-per-client", MaxStreamsPerClient, 1, 1_000_000);
        if (TlsCertificate is not null && !File.Exists(TlsCertificate))
            throw new ArgumentException($"--tls-cert: the certificate file '{TlsCertificate}' does not exist.");
        if (Urls.Contains("https://", StringComparison.OrdinalIgnoreCase) && TlsCertificate is null)
            throw new ArgumentException("--urls has an https:// address; give its certificate with --tls-cert <pfx>.");
    }

    /// <summary>The certificate file's password, read from <see cref="TlsPasswordFile"/> (null without one).</summary>
    public string? TlsPassword() => TlsPasswordFile is null ? null : ReadLines("--tls-password-file", TlsPasswordFile).FirstOrDefault() ?? "";

    /// <summary>A key is trimmed (files end in a newline); a short one is refused, since it could be guessed.</summary>
    static string? Key(string? value, string source)
    {
        if (value is null) return null;
        string key = value.Trim();
        if (key.Length == 0) return null;
        return key.Length >= 16 ? key : throw new ArgumentException($"{source}: the API key is {key.Length} characters; it must be at least 16.");
    }

    static IEnumerable<string> ReadLines(string name, string path)
    {
        try
        {
            return File.ReadAllLines(path).Select(l => l.Trim()).Where(l => l.Length > 0).ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ArgumentException($"{name}: cannot read '{path}': {e.Message}");
        }
    }

    static void NonEmpty(string name, string value)
    {
        if (string.IsNullOrWhiteSpace(value)) throw new ArgumentException($"{name} must not be empty.");
    }

    static void Range(string name, int value, int min, int max)
    {
        if (value < min || value > max) throw new ArgumentException($"{name} is {value}; it must be a whole number between {min} and {max}.");
    }
}
