namespace DalleOrleans.Training.Checkpointing;

/// <summary>
/// Writes files so that a reader (or a resumed run after a crash) sees either the old file or the new
/// one, never half of one: write a temporary file beside it, then rename over it.
/// </summary>
public static class AtomicFile
{
    public static void WriteAllText(string path, string text) => Write(path, temp => File.WriteAllText(temp, text));

    public static void WriteAllBytes(string path, byte[] bytes) => Write(path, temp => File.WriteAllBytes(temp, bytes));

    /// <summary>Lets <paramref name="writeTemp"/> fill a temporary path, then moves it over <paramref name="path"/>.</summary>
    public static void Write(string path, Action<string> writeTemp)
    {
        string full = Path.GetFullPath(path);
        string directory = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(directory);
        string temp = Path.Combine(directory, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            writeTemp(temp);
            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            try { File.Delete(temp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            throw;
        }
    }
}
