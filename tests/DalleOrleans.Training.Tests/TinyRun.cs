namespace DalleOrleans.Training.Tests;

/// <summary>A tiny model config (same 64×64 images and 8×8 grid as the shipped model, tiny widths) and temp folders.</summary>
public static class TinyRun
{
    public const string ConfigJson = """
    {
      "ModelId": "tiny-train-test",
      "Dvae": { "ImageSize": 64, "CodebookSize": 32, "HiddenWidth": 8, "BlocksPerGroup": 1, "Groups": 4, "DecoderInputWidth": 16 },
      "Transformer": { "TextVocabSize": 128, "TextLength": 32, "ImageVocabSize": 32, "GridSize": 8, "ModelDim": 32, "Heads": 2, "Layers": 2, "Attention": ["Row", "Conv"] },
      "Reranker": { "TextVocabSize": 128, "TextLength": 32, "EmbedDim": 16, "TextWidth": 16, "TextLayers": 1, "TextHeads": 2, "ImageSize": 64, "ImageWidth": 8, "ImageStages": 3, "ImageNormGroups": 4 }
    }
    """;

    static readonly string Root = Path.Combine(Path.GetTempPath(), "dalle-train-tests");

    /// <summary>Folders of earlier test runs are removed once they are an hour old (a run in progress is younger).</summary>
    static TinyRun()
    {
        if (!Directory.Exists(Root)) return;
        foreach (var old in Directory.GetDirectories(Root).Where(d => Directory.GetCreationTimeUtc(d) < DateTime.UtcNow.AddHours(-1)))
        {
            try { Directory.Delete(old, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    public static string NewFolder(string name)
    {
        string path = Path.Combine(Root, $"{name}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(path);
        return path;
    }

    /// <summary>Writes the tiny config next to a run and returns its path.</summary>
    public static string WriteConfig(string folder)
    {
        string path = Path.Combine(folder, "tiny-config.json");
        File.WriteAllText(path, ConfigJson);
        return path;
    }
}
