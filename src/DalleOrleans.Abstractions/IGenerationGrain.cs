namespace DalleOrleans.Abstractions;

/// <summary>
/// One activation per request fingerprint (normalised prompt, options, seed, model id): identical concurrent
/// requests meet here and share one generation (single flight).
/// </summary>
/// <remarks>
/// A generation can outlast Orleans' default 30 s response timeout (large models, busy devices), so
/// <see cref="Generate"/> carries its own longer timeout, and progress is streamed by <see cref="WatchProgress"/>
/// so callers see movement long before the answer.
/// </remarks>
public interface IGenerationGrain : IGrainWithStringKey
{
    [ResponseTimeout("00:10:00")]
    Task<GenerationResult> Generate(GenerationRequest request, CancellationToken cancellation = default);

    /// <summary>Whether this activation is running a generation now (a caller whose call outlives it has lost its silo).</summary>
    Task<bool> IsRunning();

    /// <summary>Callers waiting on this activation's generation now (identical concurrent requests share one: single flight).</summary>
    Task<int> WaitingCallers();

    /// <summary>Progress reports of the running generation until it ends (empty when none is running).</summary>
    IAsyncEnumerable<GenerationProgress> WatchProgress(CancellationToken cancellation = default);
}

/// <summary>What a device offers: where it lives, how many batch rows it has and how busy it is.</summary>
[GenerateSerializer, Alias("DalleOrleans.DeviceInfo.v1")]
public sealed record DeviceInfo
{
    /// <summary>"{silo}/{device}", e.g. "S127.0.0.1:11111:123456/cpu".</summary>
    [Id(0)] public string Key { get; init; } = "";
    [Id(1)] public string Silo { get; init; } = "";
    [Id(2)] public string Device { get; init; } = "";
    [Id(3)] public string ModelId { get; init; } = "";
    [Id(4)] public int MaxBatchRows { get; init; }
    [Id(5)] public int ActiveStreams { get; init; }
    [Id(6)] public int QueuedStreams { get; init; }
    [Id(7)] public bool Draining { get; init; }
    /// <summary>Image tokens per candidate for the served model (grid side squared).</summary>
    [Id(8)] public int ImageTokens { get; init; }
    /// <summary>Image vocabulary (dVAE codebook) of the served model: the top-k limit.</summary>
    [Id(9)] public int ImageVocabSize { get; init; }
    // Id 10 was Shards (shards inside one device grain, removed): not reused.
    /// <summary>Text tokens the served model reads (its prompt limit); 0 from devices that do not publish it.</summary>
    [Id(11)] public int TextTokens { get; init; }
    /// <summary>Transformer layers of the served model.</summary>
    [Id(12)] public int Layers { get; init; }
    /// <summary>
    /// The most layers this device holds (Model:LayersPerDevice, or what fits Model:DeviceMemoryGb); 0 = every layer.
    /// A device holding every layer serves a one-shard pipeline alone; silos chain the others into pipelines of shard
    /// grains (<c>PipelineComposer</c>).
    /// </summary>
    [Id(13)] public int LayerCapacity { get; init; }

    /// <summary>Candidate streams this device has accepted since it started (operators; tests count work with it).</summary>
    [Id(14)] public long StreamsAccepted { get; init; }

    /// <summary>Whether this device holds every layer (a one-shard pipeline, no hop).</summary>
    public bool HoldsEveryLayer => LayerCapacity <= 0 || LayerCapacity >= Layers;
    public ServedModel Model => new() { ModelId = ModelId, ImageTokens = ImageTokens, ImageVocabSize = ImageVocabSize, Layers = Layers, TextTokens = TextTokens, Key = Key };
}

/// <summary>Candidate streams for one device: the request's text and options, and which candidate indices to draw.</summary>
[GenerateSerializer, Alias("DalleOrleans.TokenWork.v1")]
public sealed record TokenWork
{
    [Id(0)] public string Fingerprint { get; init; } = "";
    [Id(1)] public GenerationRequest Request { get; init; } = new();
    [Id(2)] public int[] CandidateIndices { get; init; } = Array.Empty<int>();
    /// <summary>
    /// The shards of a pipeline spread over devices, in layer order (the first one is the device called); empty: the
    /// called device runs every layer itself.
    /// </summary>
    [Id(3)] public ShardRoute[] Route { get; init; } = Array.Empty<ShardRoute>();
    /// <summary>
    /// True: the device renders partial previews itself (PNG in <see cref="TokenUpdate.PreviewPng"/>). False: it only
    /// sends the tokens drawn so far (<see cref="TokenUpdate.PreviewSnapshot"/>), and the caller asks for a rendering
    /// (<see cref="IDeviceGrain.RenderPreview"/>) when someone is watching: no dVAE work for unwatched requests.
    /// </summary>
    [Id(4)] public bool RenderPreviews { get; init; } = true;
}

/// <summary>One shard of a pipeline: which device holds which contiguous layers.</summary>
[GenerateSerializer, Alias("DalleOrleans.ShardRoute.v1")]
public sealed record ShardRoute(
    [property: Id(0)] string DeviceKey,
    [property: Id(1)] int FirstLayer,
    [property: Id(2)] int LayerCount)
{
    public override string ToString() => $"{DeviceKey}[{FirstLayer}..{FirstLayer + LayerCount - 1}]";
}

/// <summary>A device's report on its candidates: progress while drawing, then the finished token grids.</summary>
[GenerateSerializer, Alias("DalleOrleans.TokenUpdate.v1")]
public sealed record TokenUpdate
{
    [Id(0)] public int TokensDone { get; init; }
    [Id(1)] public int CandidatesDone { get; init; }
    /// <summary>Set in the last update: candidate index → its image tokens.</summary>
    [Id(2)] public Dictionary<int, int[]>? Tokens { get; init; }
    /// <summary>
    /// A partial-image preview of candidate 0 (PNG), set only on the update that brings a new one (the share that draws
    /// candidate 0 renders one every few grid rows; see <c>PartialPreview</c>). Null on every other update.
    /// </summary>
    [Id(3)] public byte[]? PreviewPng { get; init; }
    /// <summary>Image tokens of candidate 0 that <see cref="PreviewPng"/> shows.</summary>
    [Id(4)] public int PreviewTokens { get; init; }
    /// <summary>Candidate 0's tokens so far, at a preview point, when the work asked for no rendering.</summary>
    [Id(5)] public int[]? PreviewSnapshot { get; init; }
}

/// <summary>
/// The per-device model grain: hosts the transformer, dVAE decoder and reranker of one device on one silo
/// (placed there by <c>DevicePlacement</c>); all tensor work runs on that device's executor thread.
/// </summary>
public interface IDeviceGrain : IGrainWithStringKey
{
    Task<DeviceInfo> Describe();

    /// <summary>
    /// How many text tokens the served model's tokenizer makes of <paramref name="prompt"/> (front ends compare it with
    /// <see cref="DeviceInfo.TextTokens"/> to refuse an over-long prompt at once). Throws ArgumentException for invalid text.
    /// </summary>
    Task<int> CountPromptTokens(string prompt);

    [ResponseTimeout("00:10:00")]
    IAsyncEnumerable<TokenUpdate> DrawTokens(TokenWork work, CancellationToken cancellation = default);

    /// <summary>A partial preview (PNG, unfinished rows grey) of an image whose first tokens are <paramref name="tokensSoFar"/>.</summary>
    Task<byte[]> RenderPreview(int[] tokensSoFar);

    /// <summary>Token grids → images → reranker scores; returns the top <c>Top</c> as PNGs, best first.</summary>
    [ResponseTimeout("00:05:00")]
    Task<RankedImages> DecodeAndRank(GenerationRequest request, Dictionary<int, int[]> tokens);
}

[GenerateSerializer, Alias("DalleOrleans.RankedImages.v1")]
public sealed record RankedImages(
    [property: Id(0)] IReadOnlyList<GeneratedImage> Images,
    [property: Id(1)] double DecodeMs,
    [property: Id(2)] double RerankMs,
    [property: Id(3)] double EncodeMs);

/// <summary>The model the cluster serves: its id (part of every fingerprint) and the limits requests are checked against.</summary>
[GenerateSerializer, Alias("DalleOrleans.ServedModel.v1")]
public sealed record ServedModel
{
    [Id(0)] public string ModelId { get; init; } = "";
    /// <summary>Image tokens per candidate (grid side squared).</summary>
    [Id(1)] public int ImageTokens { get; init; }
    /// <summary>Image vocabulary (dVAE codebook): the top-k limit.</summary>
    [Id(2)] public int ImageVocabSize { get; init; }
    /// <summary>Transformer layers: a pipeline's shards must cover them all.</summary>
    [Id(3)] public int Layers { get; init; }
    /// <summary>Text tokens the model reads (the prompt limit); 0 from devices that do not publish it.</summary>
    [Id(4)] public int TextTokens { get; init; }
    /// <summary>The device that registered it last (it may have left since): where front ends count a prompt's tokens.</summary>
    [Id(5)] public string Key { get; init; } = "";
}

/// <summary>Which devices exist in the cluster and which model they serve; follows cluster membership.</summary>
public interface IModelDirectoryGrain : IGrainWithIntegerKey
{
    Task Register(DeviceInfo device);
    Task Deregister(string deviceKey);
    /// <summary>Devices on live silos, least loaded first.</summary>
    Task<IReadOnlyList<DeviceInfo>> Devices();
    /// <summary>
    /// The model last registered by a device, kept when every device has left: a cached result needs no device, only
    /// the model id its fingerprint names. Null until the first device registers with this activation.
    /// </summary>
    Task<ServedModel?> Model();
}
