using static TorchSharp.torch;

namespace DalleOrleans.Training.Data;

/// <summary>From the data set's RGB bytes (HWC) to the models' image tensors (B, 3, H, W) in [0, 1].</summary>
public static class ImageTensors
{
    /// <summary>Count images of side×side RGB bytes → (Count, 3, side, side) float32 in [0, 1].</summary>
    public static Tensor FromRgb(byte[] rgb, int count, int side, Device device)
    {
        if (rgb.Length != count * side * side * 3)
            throw new ArgumentException($"expected {count} images of {side}×{side}×3 bytes ({count * side * side * 3}); got {rgb.Length}.", nameof(rgb));
        return tensor(rgb, new long[] { count, side, side, 3 })        // (B, H, W, 3) uint8
            .to(device).to_type(ScalarType.Float32).div_(255f)
            .permute(0, 3, 1, 2).contiguous();                           // (B, 3, H, W)
    }
}
