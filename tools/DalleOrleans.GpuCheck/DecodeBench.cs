using DalleOrleans.Model.Sampling;
using TorchSharp;
using DalleOrleans.Model.Transformer;
using static TorchSharp.torch;

namespace DalleOrleans.GpuCheck;

/// <summary>
/// The paper-scale decode benchmark: the paper's configuration (or its width with fewer layers) with random weights
/// built by the project's own <see cref="DalleTransformer"/>, one KV-cached decode step at a mid-image position, timed
/// at each batch size, with the sparse masks of the paper and with dense causal masks, against the weight-read limit.
/// </summary>
public static class DecodeBench
{
    /// <param name="BytesPerSecond">Copy bandwidth timed in turn with this row's steps: the limits divide by it.</param>
    public sealed record Row(string Masks, int Batch, int Position, long KeyLength, double StepMs, double StepAndSampleMs,
        double WeightLimitMs, double WeightAndKvLimitMs, double BytesPerSecond);

    public sealed record Result(TransformerConfig Config, long StepWeightBytes, long ParameterCount, int ElementSize,
        CopyBandwidth.Result Bandwidth, IReadOnlyList<Row> Rows)
    {
        /// <summary>Input position of the timed step: the middle image token.</summary>
        public int Position => Config.ImagePosition(Config.ImageTokens / 2);
    }

    /// <summary>Parameters a decode step never reads: the text side and the embedding tables (one row each is read).</summary>
    static readonly string[] NotReadPerStep = { "textEmbedding.", "textPosition.", "textHead.", "imageEmbedding.", "imageRow.", "imageColumn." };

    public static TransformerConfig Config(GpuCheckOptions o, bool dense) => TransformerConfig.Paper with
    {
        Layers = o.Layers, ModelDim = o.ModelDim, Heads = o.Heads,
        Attention = dense ? Enumerable.Repeat(AttentionKind.Dense, o.Layers).ToArray() : TransformerConfig.DefaultPattern(o.Layers),
    };

    public static Result Run(GpuCheckOptions o, Device device, Action<string> log)
    {
        using var copier = new CopyBandwidth.Copier(device, o.CopyBytes);
        var bandwidth = copier.ResultOf(DeviceClock.Median(DeviceClock.Times(device, warmup: 2, reps: 10, copier.Copy)));
        log($"copy bandwidth {MarkdownReport.F(bandwidth.BytesPerSecond / 1e9, 1)} GB/s over {bandwidth.Bytes >> 20} MiB");
        var rows = new List<Row>();
        long stepBytes = 0, parameters = 0;
        int elementSize = 0;
        TransformerConfig sparseConfig = Config(o, dense: false);
        foreach (bool dense in new[] { false, true })
        {
            var config = Config(o, dense);
            using var model = Build(config, device, o.DType);
            var weights = model.named_parameters().ToList();
            parameters = weights.Sum(p => p.parameter.NumberOfElements);
            stepBytes = weights.Where(p => !NotReadPerStep.Any(n => p.name.StartsWith(n, StringComparison.Ordinal)))
                               .Sum(p => p.parameter.NumberOfElements * p.parameter.ElementSize);
            elementSize = (int)weights[0].parameter.ElementSize;
            log($"{(dense ? "dense" : "sparse")} model: {parameters / 1e9:F2} B parameters, {stepBytes / 1e9:F2} GB read per step");
            using var cache = new KvCache(config, o.Batches.Max(), device, o.DType);
            foreach (int batch in o.Batches)
                rows.Add(Measure(model, cache, batch, dense ? "dense causal" : "sparse (paper)", o, device, copier, stepBytes, elementSize));
        }
        return new Result(sparseConfig, stepBytes, parameters, elementSize, bandwidth, rows);
    }

    /// <summary>
    /// Builds the model directly on the device in the benchmark's dtype (the default device and dtype set around the
    /// constructor): a 12 B-parameter model never exists in float32 on the host.
    /// </summary>
    public static DalleTransformer Build(TransformerConfig config, Device device, ScalarType dtype)
    {
        var previousDevice = get_default_device();
        var previousType = get_default_dtype();
        set_default_dtype(dtype);
        set_default_device(device);
        try
        {
            manual_seed(1);
            var model = new DalleTransformer(config);
            model.to(device);
            model.to(dtype);
            model.eval();
            return model;
        }
        finally
        {
            set_default_device(previousDevice);
            set_default_dtype(previousType);
        }
    }

    static Row Measure(DalleTransformer model, KvCache cache, int batch, string masks, GpuCheckOptions o, Device device,
        CopyBandwidth.Copier copier, long stepBytes, int elementSize)
    {
        var config = model.Config;
        int imageToken = config.ImageTokens / 2;
        int position = config.ImagePosition(imageToken);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var positions = new StepPositions(config, Enumerable.Repeat(position, batch).ToArray(), device);
        var tokens = randint(0, config.ImageVocabSize, new long[] { batch }, dtype: int64, device: device);
        var rows = SamplingRows.From(Enumerable.Repeat(new SamplingOptions(), batch).ToArray(), device);
        var uniforms = rand(new long[] { batch }, dtype: ScalarType.Float32, device: device);

        void Step()
        {
            using var s = NewDisposeScope();
            model.DecodeStep(tokens, positions, cache);
        }
        void StepAndSample()
        {
            using var s = NewDisposeScope();
            TokenSampler.SampleOnDevice(model.DecodeStep(tokens, positions, cache), rows, uniforms);
        }
        // The copy, the step and the step with sampling are timed in turn, rep by rep: on a shared machine all three
        // see the same load, so the step's ratio to the limit holds even when the load drifts.
        var copyTimes = new List<double>();
        var stepTimes = new List<double>();
        var sampleTimes = new List<double>();
        int warmup = Math.Min(2, o.Reps);
        for (int rep = 0; rep < warmup + o.Reps; rep++)
        {
            double copy = DeviceClock.Times(device, 0, 1, copier.Copy)[0];
            double step = DeviceClock.Times(device, 0, 1, Step)[0];
            double sample = DeviceClock.Times(device, 0, 1, StepAndSample)[0];
            if (rep < warmup) continue;
            copyTimes.Add(copy); stepTimes.Add(step); sampleTimes.Add(sample);
        }
        double stepMs = DeviceClock.Median(stepTimes), sampleMs = DeviceClock.Median(sampleTimes);
        var bandwidth = copier.ResultOf(DeviceClock.Median(copyTimes));
        long keyLength = positions.KeyLength;
        // Every row reads its own keys and values: layers × 2 × Tk × d elements.
        long kvBytes = (long)config.Layers * 2 * batch * keyLength * config.ModelDim * elementSize;
        double limitMs = stepBytes / bandwidth.BytesPerSecond * 1000;
        double kvLimitMs = (stepBytes + kvBytes) / bandwidth.BytesPerSecond * 1000;
        return new Row(masks, batch, position, keyLength, stepMs, sampleMs, limitMs, kvLimitMs, bandwidth.BytesPerSecond);
    }
}
