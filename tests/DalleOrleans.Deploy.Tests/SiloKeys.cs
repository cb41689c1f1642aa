using System.Reflection;
using System.Text.Json;
using DalleOrleans.Silo;
using Microsoft.Extensions.Configuration;

namespace DalleOrleans.Deploy.Tests;

/// <summary>
/// The silo's configuration as the silo itself reads it: its keys are the properties of its settings records
/// (<see cref="SiloConfiguration.Sections"/>) and the keys of its appsettings.json; a deployment's environment is
/// resolved by layering Section__Key variables over that appsettings.json and running the silo's own validation.
/// </summary>
public static class SiloKeys
{
    public const string AppSettings = "silo/DalleOrleans.Silo/appsettings.json";

    /// <summary>Variables that are not configuration keys but legitimately set for the silo's process.</summary>
    public static readonly IReadOnlySet<string> ProcessVariables = new HashSet<string> { "DOTNET_ENVIRONMENT" };

    public static IReadOnlySet<string> Known { get; } = BuildKnown();

    static HashSet<string> BuildKnown()
    {
        var keys = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (section, type) in SiloConfiguration.Sections)
            foreach (var p in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.SetMethod is not null))
                keys.Add($"{section}:{p.Name}");
        using var json = JsonDocument.Parse(Repo.Read(AppSettings));
        Flatten(json.RootElement, "", keys);
        return keys;
    }

    static void Flatten(JsonElement e, string prefix, HashSet<string> keys)
    {
        if (e.ValueKind == JsonValueKind.Object)
            foreach (var p in e.EnumerateObject()) Flatten(p.Value, prefix.Length == 0 ? p.Name : $"{prefix}:{p.Name}", keys);
        else keys.Add(prefix);                                     // arrays count as one key (their entries are indexed)
    }

    /// <summary>"Model__Devices__0" → "Model:Devices:0".</summary>
    public static string KeyOf(string variable) => variable.Replace("__", ":");

    /// <summary>The key without array indices, as <see cref="Known"/> holds it: "Model:Devices:0" → "Model:Devices".</summary>
    public static string WithoutIndices(string key) => string.Join(':', key.Split(':').Where(s => !s.All(char.IsAsciiDigit)));

    /// <summary>Fails naming every variable that is neither a silo key nor a known process variable.</summary>
    public static void AssertKnown(IEnumerable<string> variables, string where)
    {
        var unknown = variables.Where(v => !ProcessVariables.Contains(v) && !Known.Contains(WithoutIndices(KeyOf(v)))).ToList();
        Assert.True(unknown.Count == 0, $"{where}: {string.Join(", ", unknown)} is not a configuration key of the silo " +
            $"(known: {string.Join(", ", Known.Order())})");
    }

    /// <summary>The silo's settings under these environment layers (later wins), checked by the silo's own validation.</summary>
    public static SiloConfiguration Resolve(params IReadOnlyDictionary<string, string>[] layers)
    {
        var builder = new ConfigurationBuilder().AddJsonFile(Repo.PathOf(AppSettings), optional: false);
        foreach (var layer in layers)
            builder.AddInMemoryCollection(layer.Where(kv => !ProcessVariables.Contains(kv.Key))
                .Select(kv => new KeyValuePair<string, string?>(KeyOf(kv.Key), kv.Value)));
        return SiloConfiguration.From(builder.Build(), checkEnvironment: false);
    }
}
