using static TorchSharp.torch;

namespace DalleOrleans.Model.Transformer;

/// <summary>
/// Where each row of a decode step stands: its input position in the stream, and the tensors derived from it
/// once per step (shared by every layer): the KV write index, the grid index and the key length.
/// </summary>
public sealed class StepPositions
{
    public int[] Positions { get; }
    /// <summary>Keys 0..KeyLength−1 cover every row's history: max position + 1.</summary>
    public long KeyLength { get; }
    /// <summary>(B) long: each row's input position.</summary>
    public Tensor Position { get; }
    /// <summary>(B, 1) long: the image token index fed at that position.</summary>
    public Tensor GridIndex { get; }
    /// <summary>(B, H, 1, Dh) long: scatter index writing each row's key/value at its position.</summary>
    public Tensor WriteIndex { get; }

    public StepPositions(TransformerConfig config, int[] positions, Device device)
    {
        int first = config.ImagePosition(0), last = config.SequenceLength - 1;
        foreach (int p in positions)
            if (p < first || p > last)
                throw new ArgumentOutOfRangeException(nameof(positions), p, $"decode steps feed image positions {first}..{last}.");
        Positions = positions;
        KeyLength = positions.Max() + 1;
        int B = positions.Length;
        Position = tensor(positions.Select(p => (long)p).ToArray(), dtype: int64, device: device);
        GridIndex = (Position - first).view(B, 1);
        WriteIndex = Position.view(B, 1, 1, 1).expand(B, config.Heads, 1, config.HeadDim).contiguous();
    }

    /// <summary>Each row's line of an additive (T, T) mask, cut to the key length: (B, 1, 1, Tk).</summary>
    public Tensor MaskRows(Tensor mask) =>
        mask.index_select(0, Position).narrow(1, 0, KeyLength).view(Positions.Length, 1, 1, KeyLength);
}
