using DalleOrleans.Model;

namespace DalleOrleans.Training.Setup;

/// <summary>
/// How many intra-op threads dalle-train gives libtorch unless --threads says otherwise: half the cores, at
/// least one (one on the 2-core development machines).
/// </summary>
/// <remarks>
/// Why not every core (libtorch's default): on a 2-core machine that other people use, libtorch's OpenMP pool
/// stalls whenever one of its threads is descheduled. Measured with `dalle-train bench` (README.md): one
/// thread trained the transformer at 37 samples/s where two threads managed 6, and an 8-candidate generation
/// took 0.2 s instead of 22 s. On an idle machine the second thread is worth about 1.5× on the transformer
/// and nothing on the dVAE; the risk is not worth it. The rendering thread also needs a core.
/// </remarks>
public static class TorchThreads
{
    public static int Default => Math.Max(1, Environment.ProcessorCount / 2);

    /// <summary>Starts libtorch with <paramref name="requested"/> threads, or the default.</summary>
    public static void Initialize(int? requested) => TorchRuntime.Initialize(requested ?? Default);
}
