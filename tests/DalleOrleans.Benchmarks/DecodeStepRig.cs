using DalleOrleans.Model.Transformer;
using static TorchSharp.torch;

namespace DalleOrleans.Benchmarks;

/// <summary>
/// A transformer pipeline with <c>rows</c> streams whose caches are filled up to a chosen image position, so one
/// decode step can be timed again and again at that position (rewriting the same cache slot each time).
/// </summary>
public sealed class DecodeStepRig : IDisposable
{
    readonly TransformerPipeline _pipeline;
    readonly Tensor _tokens;
    readonly int[] _positions;

    public TransformerConfig Config { get; }
    public int Rows { get; }
    public int Position { get; }
    /// <summary>Cached positions the step's attention reads: every position up to and including its own.</summary>
    public long KeyLength => Position + 1;

    /// <param name="imageToken">Index of the image token fed at the timed step (its input position is ImagePosition(imageToken)).</param>
    public DecodeStepRig(DalleTransformer model, int rows, int imageToken, long seed = 1)
    {
        Config = model.Config;
        Rows = rows;
        Position = Config.ImagePosition(imageToken);
        _pipeline = new TransformerPipeline(model, rows, CPU);
        var generator = new Generator((ulong)seed);
        using var noGrad = no_grad();
        using (NewDisposeScope())
        {
            var text = randint(2, Config.TextVocabSize, new long[] { rows, Config.TextLength }, generator: generator);
            _pipeline.Prefill(text, arange(rows, dtype: int64));
        }
        for (int k = 0; k < imageToken; k++)
        {
            using var scope = NewDisposeScope();
            _pipeline.DecodeStep(RandomTokens(generator), Enumerable.Repeat(Config.ImagePosition(k), rows).ToArray());
        }
        _tokens = RandomTokens(generator).DetachFromDisposeScope();
        _positions = Enumerable.Repeat(Position, rows).ToArray();
    }

    Tensor RandomTokens(Generator generator) => randint(0, Config.ImageVocabSize, new long[] { Rows }, generator: generator);

    /// <summary>One decode step of every row at the rig's position: logits (rows, K).</summary>
    public Tensor Step() => _pipeline.DecodeStep(_tokens, _positions);

    public double Flops => DecodeStepCost.Flops(Config, KeyLength, Rows);

    public void Dispose()
    {
        _pipeline.Dispose();
        _tokens.Dispose();
    }
}
