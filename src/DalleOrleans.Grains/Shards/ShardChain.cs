using System.Diagnostics;
using DalleOrleans.Abstractions;
using DalleOrleans.Model.Transformer;
using static TorchSharp.torch;

namespace DalleOrleans.Grains.Shards;

/// <summary>
/// One lane (micro-batch) of a pipeline whose shards are grains on other devices, as the batching loop sees it: the
/// ids go to the first shard, each shard's output to the next, the last one's logits come back. Runs on the lane's
/// own thread and waits there for each hop (never on an Orleans scheduler thread); tensors cross as
/// <see cref="TensorPayload"/> in the model's dtype.
/// </summary>
public sealed class ShardChain(IReadOnlyList<IShardGrain> shards, int lane, int rows, TransformerConfig config) : ITokenPipeline
{
    public TransformerConfig Config => config;
    public int Rows => rows;
    public Device InputDevice => CPU;
    public long CacheBytes => 0;

    /// <summary>Time spent waiting for shards, summed over calls (ticks): with the step time it gives the hop's share.</summary>
    public long WaitTicks;

    public Tensor Prefill(Tensor textTokens, Tensor slots)
    {
        int[] rowsFilled = slots.cpu().data<long>().Select(s => (int)s).ToArray();
        return Through(textTokens, (shard, input) => shard.Prefill(lane, rows, input, rowsFilled));
    }

    public Tensor DecodeStep(Tensor imageTokens, int[] positions) =>
        Through(imageTokens, (shard, input) => shard.Step(lane, rows, input, positions));

    public void CopySlot(int from, int to)
    {
        foreach (var shard in shards) Wait(shard.CopySlot(lane, from, to));
    }

    Tensor Through(Tensor input, Func<IShardGrain, TensorPayload, Task<TensorPayload>> call)
    {
        var payload = TensorWire.ToPayload(input);
        foreach (var shard in shards) payload = Wait(call(shard, payload));
        return TensorWire.ToTensor(payload, CPU);
    }

    T Wait<T>(Task<T> call)
    {
        long started = Stopwatch.GetTimestamp();
        try { return call.GetAwaiter().GetResult(); }
        finally { Interlocked.Add(ref WaitTicks, Stopwatch.GetTimestamp() - started); }
    }

    void Wait(Task call)
    {
        long started = Stopwatch.GetTimestamp();
        try { call.GetAwaiter().GetResult(); }
        finally { Interlocked.Add(ref WaitTicks, Stopwatch.GetTimestamp() - started); }
    }

    public void Dispose() { }
}
