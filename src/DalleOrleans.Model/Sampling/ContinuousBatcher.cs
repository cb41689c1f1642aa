using DalleOrleans.Model.Transformer;
using static TorchSharp.torch;

namespace DalleOrleans.Model.Sampling;

/// <summary>
/// The batching loop: every <see cref="Step"/> advances every active candidate stream by one image token in
/// one batched decode step; streams added since the last step are prefilled (their text run through the
/// transformer into free KV-cache rows) and join in the same step; finished and cancelled streams leave.
/// </summary>
/// <remarks>
/// Not thread-safe: one thread (a device's executor, or the in-process generator) owns a batcher, its model
/// and its cache, because TorchSharp's dispose scopes are per thread. Rows of the KV cache are kept
/// compact (active rows are 0..R−1) so a step works on views of the cache and never gathers it.
/// </remarks>
public sealed class ContinuousBatcher : IDisposable
{
    readonly ITokenPipeline _pipeline;
    readonly TransformerConfig _config;
    readonly Device _device;
    readonly List<CandidateStream> _active = new();
    readonly List<CandidateStream> _joining = new();
    readonly CandidateStream?[] _rowOwner;
    readonly long[] _emptyText;
    int _rowsUsed;

    /// <summary>A batcher over the whole model on one device.</summary>
    public ContinuousBatcher(DalleTransformer model, int maxRows, Device device)
        : this(new TransformerPipeline(model, CheckRows(maxRows), device)) { }

    /// <summary>A batcher over a (possibly sharded, possibly remote) pipeline; the batcher owns and disposes it.</summary>
    public ContinuousBatcher(ITokenPipeline pipeline)
    {
        int maxRows = pipeline.Rows;
        _pipeline = pipeline;
        _config = pipeline.Config;
        _device = pipeline.InputDevice;
        _rowOwner = new CandidateStream?[maxRows];
        _emptyText = new long[_config.TextLength];              // all [PAD]: the unconditional caption for guidance
    }

    public int MaxRows => _rowOwner.Length;
    /// <summary>Rows not yet promised to a stream (active or joining).</summary>
    public int FreeRows => MaxRows - _rowsUsed - _joining.Sum(s => s.RowsNeeded);
    public int ActiveStreams => _active.Count + _joining.Count;
    public bool IsIdle => ActiveStreams == 0;
    public long CacheBytes => _pipeline.CacheBytes;

    static int CheckRows(int maxRows) =>
        maxRows >= 1 ? maxRows : throw new ArgumentOutOfRangeException(nameof(maxRows), maxRows, "maxRows must be at least 1.");
    /// <summary>Every stream the batcher holds, running or about to join.</summary>
    public IReadOnlyList<CandidateStream> Streams => _active.Concat(_joining).ToList();

    /// <summary>Queues a stream to join at the next step; false when the batch has no room for its rows.</summary>
    public bool TryAdd(CandidateStream stream)
    {
        if (stream.TextTokens.Length != _config.TextLength)
            throw new ArgumentException($"the stream's text has {stream.TextTokens.Length} tokens; the model takes {_config.TextLength}.");
        if (stream.RowsNeeded > FreeRows) return false;
        _joining.Add(stream);
        return true;
    }

    /// <summary>One decode step for every stream; returns how many streams drew a token.</summary>
    public int Step()
    {
        DropCancelled();
        if (IsIdle) return 0;
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();   // not inference_mode: lazily built masks must stay usable for training

        // 1. Streams already running feed their last token at their own position.
        var stepping = _active.ToList();
        Tensor? runningLogits = null;
        if (_rowsUsed > 0)
        {
            var tokens = new long[_rowsUsed];
            var positions = new int[_rowsUsed];
            for (int r = 0; r < _rowsUsed; r++)
            {
                var owner = _rowOwner[r]!;
                tokens[r] = owner.LastToken;
                positions[r] = _config.ImagePosition(owner.Generated - 1);
            }
            runningLogits = _pipeline.DecodeStep(tensor(tokens, device: _device), positions);
        }

        // 2. Newcomers: their text (and the empty caption for guidance) is prefilled into rows at the end.
        Tensor? joiningLogits = null;
        int firstNewRow = _rowsUsed;
        if (_joining.Count > 0)
        {
            var texts = new List<long[]>();
            foreach (var s in _joining)
            {
                s.ConditionalRow = Claim(s);
                texts.Add(s.TextTokens);
                if (s.Options.UsesGuidance) { s.UnconditionalRow = Claim(s); texts.Add(_emptyText); }
            }
            var text = tensor(texts.SelectMany(t => t).ToArray(), new long[] { texts.Count, _config.TextLength }, device: _device);
            var slots = arange(firstNewRow, _rowsUsed, dtype: int64, device: _device);
            joiningLogits = _pipeline.Prefill(text, slots);
            stepping.AddRange(_joining);
            _active.AddRange(_joining);
            _joining.Clear();
        }

        // 3. One token per stream: guidance combines its two rows; randomness is the stream's own.
        if (runningLogits is not null && joiningLogits is not null && runningLogits.device != joiningLogits.device)
            joiningLogits = joiningLogits.to(runningLogits.device);
        var allLogits = runningLogits is null ? joiningLogits! : joiningLogits is null ? runningLogits : cat(new[] { runningLogits, joiningLogits }, 0);
        var conditionalRows = TokenSampler.ToDevice(stepping.Select(s => (long)s.ConditionalRow).ToArray(), allLogits.device);
        var perStream = stepping.Any(s => s.Options.UsesGuidance)
            // Two gathers for the whole step (not a select per stream and a stack): unguided streams point their
            // unconditional row at their own row with scale 1, which GuideRows leaves bit-exact.
            ? TokenSampler.GuideRows(allLogits, conditionalRows,
                TokenSampler.ToDevice(stepping.Select(s => (long)(s.Options.UsesGuidance ? s.UnconditionalRow : s.ConditionalRow)).ToArray(), allLogits.device),
                TokenSampler.ToDevice(stepping.Select(s => s.Options.UsesGuidance ? (float)s.Options.GuidanceScale : 1f).ToArray(), allLogits.device))
            : allLogits.index_select(0, conditionalRows);
        var drawn = TokenSampler.Sample(perStream, stepping.Select(s => s.Options).ToArray(),
            stepping.Select(s => CandidateRandom.Uniform(s.RandomKey, s.Generated)).ToArray());
        for (int i = 0; i < stepping.Count; i++) stepping[i].Append((int)drawn[i]);

        foreach (var done in stepping.Where(s => s.IsComplete).ToList()) Remove(done);
        return stepping.Count;
    }

    int Claim(CandidateStream s)
    {
        int row = _rowsUsed++;
        _rowOwner[row] = s;
        return row;
    }

    void DropCancelled()
    {
        foreach (var s in _joining.Where(s => s.IsCancelled).ToList()) { _joining.Remove(s); s.OnFinished?.Invoke(s); }
        foreach (var s in _active.Where(s => s.IsCancelled).ToList()) Remove(s);
    }

    /// <summary>Frees a stream's rows, moving the last rows into the holes so active rows stay 0..R−1.</summary>
    void Remove(CandidateStream s)
    {
        _active.Remove(s);
        foreach (int row in new[] { s.ConditionalRow, s.UnconditionalRow }.Where(r => r >= 0).OrderByDescending(r => r))
        {
            int last = --_rowsUsed;
            if (row != last)
            {
                var mover = _rowOwner[last]!;
                _pipeline.CopySlot(last, row);
                if (mover.ConditionalRow == last) mover.ConditionalRow = row; else mover.UnconditionalRow = row;
                _rowOwner[row] = mover;
            }
            _rowOwner[last] = null;
        }
        s.ConditionalRow = s.UnconditionalRow = -1;
        s.OnFinished?.Invoke(s);
    }

    public void Dispose() => _pipeline.Dispose();
}
