using DalleOrleans.Model.Transformer;

namespace DalleOrleans.Client.Capacity;

/// <summary>The accelerator a plan is made for: memory, memory bandwidth and dense half-precision compute.</summary>
public sealed record Accelerator(string Name, long MemoryBytes, double BandwidthBytesPerSecond, double Flops)
{
    /// <summary>NVIDIA H100 SXM 80 GB: 3.35 TB/s HBM3, 989 TFLOP/s dense fp16/bf16 (the vendor's data sheet).</summary>
    public static Accelerator H100 => new("H100 SXM 80 GB", 80L << 30, 3.35e12, 989e12);
}

/// <summary>
/// Capacity of a transformer served on the cluster, worked out on paper from the same code the silos use: the model's
/// <see cref="TransformerConfig.ParameterCount"/> and the <see cref="ShardPlanner"/> that decides shards per pipeline.
/// Decode speed is a roofline estimate: a step reads every weight and every cached key and value of its rows once
/// (memory bound) or does 2 FLOPs per parameter per row (compute bound), whichever takes longer; real steps are slower.
/// </summary>
public sealed record CapacityPlan(TransformerConfig Config, Accelerator Device, int BytesPerValue, int BatchRows, int CandidatesPerRequest,
    int DevicesPerSilo)
{
    /// <summary>Computed on each read (it is cheap), so a copy made with <c>with</c> gets its own plan.</summary>
    public ShardPlan Shards => ShardPlanner.Plan(Config, Device.MemoryBytes, BytesPerValue, BatchRows);

    public long Parameters => Config.ParameterCount();
    public long WeightBytes => Parameters * BytesPerValue;
    /// <summary>Keys and values of one candidate stream over the whole sequence, every layer.</summary>
    public long KvBytesPerStream => ShardPlanner.KvBytesPerLayer(Config, 1, BytesPerValue) * Config.Layers;
    /// <summary>Devices one pipeline spans (one shard per device).</summary>
    public int DevicesPerPipeline => Shards.ShardCount;
    /// <summary>Pipelines one silo serves: its devices divided among pipelines (entries of Model:Devices).</summary>
    public int PipelinesPerSilo => Math.Max(1, DevicesPerSilo / DevicesPerPipeline);

    /// <summary>What crosses a shard boundary per row and decode step: the hidden state of one position.</summary>
    public long ActivationBytesPerRowStep => (long)Config.ModelDim * BytesPerValue;
    /// <summary>... for a whole step of <see cref="BatchRows"/> rows.</summary>
    public long ActivationBytesPerStep => ActivationBytesPerRowStep * BatchRows;
    /// <summary>... once per stream at prefill: [BOS] and the text positions.</summary>
    public long ActivationBytesPerPrefill => ActivationBytesPerRowStep * (Config.TextLength + 1);

    /// <summary>Bytes a decode step reads: every weight, and the full KV cache of every row (keys up to the longest row).</summary>
    public double BytesReadPerStep => WeightBytes + (double)KvBytesPerStream * BatchRows;
    public double FlopsPerStep => 2.0 * Parameters * BatchRows;
    /// <summary>Shards run one after another for a step, so a step takes as long as on one device that held them all.</summary>
    public double StepSeconds => Math.Max(BytesReadPerStep / Device.BandwidthBytesPerSecond, FlopsPerStep / Device.Flops);
    public double StepsPerSecond => 1 / StepSeconds;
    public double ImageTokensPerSecondPerPipeline => StepsPerSecond * BatchRows;
    public double CandidatesPerSecondPerPipeline => ImageTokensPerSecondPerPipeline / Config.ImageTokens;
    /// <summary>Requests of <see cref="CandidatesPerRequest"/> candidates per second that one pipeline sustains.</summary>
    public double RequestsPerSecondPerPipeline => CandidatesPerSecondPerPipeline / CandidatesPerRequest;
    /// <summary>Devices (GPUs) for a target rate of requests per second.</summary>
    public int DevicesFor(double requestsPerSecond) => (int)Math.Ceiling(requestsPerSecond / RequestsPerSecondPerPipeline) * DevicesPerPipeline;
    /// <summary>Silos for a target rate (each hosts <see cref="DevicesPerSilo"/> devices).</summary>
    public int SilosFor(double requestsPerSecond) => (int)Math.Ceiling((double)DevicesFor(requestsPerSecond) / (PipelinesPerSilo * DevicesPerPipeline));
    /// <summary>Seconds of one request when its candidates are spread over <paramref name="pipelines"/> idle pipelines.</summary>
    public double RequestSeconds(int pipelines) =>
        Math.Ceiling((double)CandidatesPerRequest / (pipelines * BatchRows)) * Config.ImageTokens * StepSeconds;

    /// <summary>The most rows a single device can hold next to the whole model (0 when the model alone does not fit).</summary>
    public int MaxRowsOnOneDevice()
    {
        int rows = 0;
        while (rows < 4096 && Fits(rows + 1)) rows++;
        return rows;
        bool Fits(int r)
        {
            try { return ShardPlanner.Plan(Config, Device.MemoryBytes, BytesPerValue, r).ShardCount == 1; }
            catch (ArgumentException) { return false; }
        }
    }
}
