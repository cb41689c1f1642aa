namespace DalleOrleans.Grains.Devices;

/// <summary>Configuration section "Model": which model this silo serves, on which devices, with which limits.</summary>
public sealed record DeviceSettings
{
    public const string Section = "Model";

    /// <summary>Folder of the model bundle (config.json, vocab.json, *.safetensors).</summary>
    public string Path { get; init; } = "models/shapes-v2";
    /// <summary>
    /// Devices this silo hosts a DeviceGrain for, one entry each: "cpu", "cuda:0", "cuda:1". Empty means "cpu". A model
    /// that does not fit one device is split with <see cref="LayersPerDevice"/> or <see cref="DeviceMemoryGb"/>: the
    /// silos then chain devices (of this silo or others) into pipelines of shard grains.
    /// </summary>
    /// <remarks>No array initializer: the configuration binder appends to an existing array instead of replacing it.</remarks>
    public string[] Devices { get; init; } = Array.Empty<string>();

    /// <summary>The devices actually hosted: the configured ones, or the CPU when none is configured.</summary>
    public string[] EffectiveDevices => Devices is { Length: > 0 } ? Devices : new[] { "cpu" };
    /// <summary>KV-cache rows per device: the most candidate streams decoded in one step (guided streams take two).</summary>
    public int MaxBatchRows { get; init; } = 32;
    /// <summary>Streams waiting for a row; past this a device refuses work at once ("overloaded").</summary>
    public int MaxQueuedStreams { get; init; } = 256;

    /// <summary>
    /// Layers each device of this silo holds when the model does not fit one device: devices holding fewer than every
    /// layer are chained by the silos into pipelines of shard grains across silos. 0 = every layer (or see
    /// <see cref="DeviceMemoryGb"/>).
    /// </summary>
    public int LayersPerDevice { get; init; }

    /// <summary>
    /// Device memory in GiB: a device then holds as many layers as fit (weights in their own precision and KV rows, <c>ShardPlanner</c>).
    /// 0 = no limit. With <see cref="LayersPerDevice"/> too, the smaller of the two wins.
    /// </summary>
    public double DeviceMemoryGb { get; init; }

    /// <summary>
    /// Micro-batches in flight in a pipeline of shards spread over devices: the batch rows split into this many groups
    /// so that every shard works at once. 0 = as many as the pipeline has shards; 1 = no micro-batching (one group goes
    /// through the shards one after another).
    /// </summary>
    public int MicroBatches { get; init; }

    /// <summary>
    /// Seconds a stopping silo gives its devices to finish their running streams (the host's shutdown timeout).
    /// Why: the generic host's default, 30 s, is shorter than a large model's generation, which would then be cut
    /// mid-drain and redrawn elsewhere. Keep it under the orchestrator's grace period (Kubernetes: 180 s in deploy/k8s).
    /// </summary>
    public int DrainSeconds { get; init; } = 120;

    /// <summary>
    /// Partial-image previews of a request's candidate 0 while it is drawn (each one a dVAE decode of one image between
    /// decode steps); 0 turns them off. Spread over the image at whole grid rows.
    /// </summary>
    public int PreviewsPerImage { get; init; } = 3;

    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Path)) throw new ArgumentException("Model:Path must name the model folder.");
        if (EffectiveDevices.Any(string.IsNullOrWhiteSpace)) throw new ArgumentException("Model:Devices holds an empty device name.");
        if (EffectiveDevices.Any(d => d.Contains('|'))) throw new ArgumentException("Model:Devices holds a name with '|', which grain keys reserve.");
        if (EffectiveDevices.FirstOrDefault(d => d.Contains('+')) is { } joined)
            throw new ArgumentException($"Model:Devices holds '{joined}': list each device on its own and split the layers with Model:LayersPerDevice or Model:DeviceMemoryGb (devices joined by '+' are no longer supported).");
        if (EffectiveDevices.Distinct(StringComparer.OrdinalIgnoreCase).Count() != EffectiveDevices.Length)
            throw new ArgumentException($"Model:Devices lists a device twice: {string.Join(", ", Devices)}.");
        if (MaxBatchRows is < 2 or > 4096) throw new ArgumentException($"Model:MaxBatchRows is {MaxBatchRows}; it must be between 2 and 4096.");
        if (DrainSeconds is < 1 or > 3600) throw new ArgumentException($"Model:DrainSeconds is {DrainSeconds}; it must be between 1 and 3600.");
        if (PreviewsPerImage is < 0 or > 64) throw new ArgumentException($"Model:PreviewsPerImage is {PreviewsPerImage}; it must be between 0 and 64.");
        if (LayersPerDevice is < 0 or > 100_000) throw new ArgumentException($"Model:LayersPerDevice is {LayersPerDevice}; it must be between 0 (every layer) and the model's layer count.");
        if (DeviceMemoryGb is < 0 or > 1_000_000 || double.IsNaN(DeviceMemoryGb)) throw new ArgumentException($"Model:DeviceMemoryGb is {DeviceMemoryGb}; it must be between 0 (no limit) and 1000000.");
        if (MicroBatches is < 0 or > 64) throw new ArgumentException($"Model:MicroBatches is {MicroBatches}; it must be between 0 (one per shard) and 64.");
        if (MaxQueuedStreams is < 1 or > 1_000_000) throw new ArgumentException($"Model:MaxQueuedStreams is {MaxQueuedStreams}; it must be between 1 and 1000000.");
    }
}
