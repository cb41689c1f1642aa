namespace DalleOrleans.Training.Data;

/// <summary>
/// One batch as plain arrays, made on the rendering thread and turned into tensors on the training thread
/// (tensors belong to the thread whose dispose scope owns them).
/// </summary>
/// <param name="Rgb">Size images of ImageSide² pixels, row-major HWC RGB bytes, back to back.</param>
/// <param name="Text">Size rows of TextLength compact token ids (PAD = 0), or empty when the stage reads no text.</param>
/// <param name="Captions">The captions as drawn ("" where caption dropout replaced one by the empty caption).</param>
/// <param name="NegativeRgb">With <see cref="BatchSpec.HardNegatives"/>: per sample, its scene with the kind or a named colour swapped (<see cref="Shapes.HardNegative"/>); else null.</param>
public sealed record TrainingBatch(int Size, int ImageSide, byte[] Rgb, int TextLength, long[] Text, string[] Captions, byte[]? NegativeRgb = null);
