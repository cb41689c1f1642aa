namespace DalleOrleans.Model.Sampling;

/// <summary>
/// Per-candidate randomness that does not depend on what else shares a batch.
/// </summary>
/// <remarks>
/// A shared torch generator would hand out numbers in batch order, so a candidate's tokens would change with
/// its batch-mates. Instead every draw is a pure function of (seed, candidate index, token index): a
/// counter-based generator (SplitMix64 finalizer over a mixed key). The cluster can batch candidates of many
/// requests together and still reproduce any result from its seed.
/// </remarks>
public static class CandidateRandom
{
    /// <summary>The key of one candidate stream.</summary>
    public static ulong StreamKey(long seed, int candidateIndex) =>
        Mix(unchecked((ulong)seed) ^ Mix(0x9E3779B97F4A7C15UL * (ulong)(candidateIndex + 1)));

    /// <summary>A uniform number in [0, 1) for draw number <paramref name="step"/> of a stream.</summary>
    public static double Uniform(ulong streamKey, int step)
    {
        ulong bits = Mix(streamKey + 0xD1B54A32D192ED03UL * (ulong)(step + 1));
        return (bits >> 11) * (1.0 / (1UL << 53));
    }

    static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
