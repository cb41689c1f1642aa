using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace DalleOrleans.Deploy.Tests;

/// <summary>Reading YAML documents (YamlDotNet's node model) with short, failing-clearly accessors.</summary>
public static class Yaml
{
    /// <summary>Every document of a (possibly multi-document) file; merge keys (&lt;&lt;: *anchor) are resolved.</summary>
    public static IReadOnlyList<YamlMappingNode> LoadAll(string relativePath)
    {
        var stream = new YamlStream();
        using var reader = new StringReader(Repo.Read(relativePath));
        stream.Load(new MergingParser(new Parser(reader)));
        return stream.Documents.Select(d => d.RootNode).OfType<YamlMappingNode>().ToList();
    }

    public static YamlNode? Get(this YamlNode? node, string key) =>
        node is YamlMappingNode map && map.Children.TryGetValue(new YamlScalarNode(key), out var value) ? value : null;

    public static YamlNode Need(this YamlNode? node, string key, string where) =>
        node.Get(key) ?? throw new Xunit.Sdk.XunitException($"{where}: '{key}' is missing");

    public static string? Text(this YamlNode? node) => (node as YamlScalarNode)?.Value;

    public static IEnumerable<YamlNode> Items(this YamlNode? node) => node is YamlSequenceNode seq ? seq.Children : [];

    public static IEnumerable<(string Key, YamlNode Value)> Entries(this YamlNode? node) =>
        node is YamlMappingNode map ? map.Children.Select(c => (((YamlScalarNode)c.Key).Value!, c.Value)) : [];

    /// <summary>A compose-style string list (["a", "b"] or a single string).</summary>
    public static string[] Strings(this YamlNode? node) => node switch
    {
        YamlSequenceNode seq => seq.Children.Select(c => c.Text()!).ToArray(),
        YamlScalarNode s => [s.Value!],
        _ => [],
    };
}
