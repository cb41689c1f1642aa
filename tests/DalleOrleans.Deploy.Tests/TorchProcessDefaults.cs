namespace DalleOrleans.Deploy.Tests;

/// <summary>
/// Tests that change libtorch's process-wide defaults (default dtype or device), even briefly: xUnit runs this
/// collection after the parallel ones, with nothing beside it, so no other test's tensors see the changed defaults.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TorchProcessDefaults
{
    public const string Name = "libtorch process-wide defaults";
}
