namespace DalleOrleans.Model.Tests;

/// <summary>A randomly initialised model small enough for unit tests (see <see cref="ModelPresets.Tiny"/>).</summary>
public static class TinyModel
{
    public static ModelBundle Create(long seed = 0) => ModelPresets.CreateTiny(seed);
}
