using DalleOrleans.Training.Setup;

namespace DalleOrleans.Training.Data;

/// <summary>
/// Seeds for the data streams. A resumed run continues with samples it has not seen yet rather than
/// replaying the start of the stream, so the seed mixes in the step the run (re)starts from.
/// </summary>
public static class DataSeeds
{
    public static int Training(int seed, StageKind stage, long startStep) =>
        unchecked((int)((uint)seed * 2_654_435_761u ^ (uint)stage.SeedSalt() ^ (uint)(startStep * 97_861)));

    /// <summary>Images for previews and evaluation: fixed per seed, far from any training stream.</summary>
    public static int Held(int seed, int purpose) => unchecked(seed * 31 + 1_000_003 * (purpose + 1));
}
