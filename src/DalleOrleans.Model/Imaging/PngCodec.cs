using SkiaSharp;
using static TorchSharp.torch;

namespace DalleOrleans.Model.Imaging;

/// <summary>Between image tensors (3, H, W) in [0, 1] and PNG bytes, with SkiaSharp.</summary>
public static class PngCodec
{
    /// <summary>Encodes one (3, H, W) float image in [0, 1] (values outside are clamped).</summary>
    public static byte[] Encode(Tensor image)
    {
        if (image.dim() != 3 || image.shape[0] != 3)
            throw new ArgumentException($"expected an image tensor of shape (3, H, W); got ({string.Join(", ", image.shape)}).", nameof(image));
        int h = (int)image.shape[1], w = (int)image.shape[2];
        byte[] hwc;
        using (var scope = NewDisposeScope())
        {
            hwc = (image.detach().cpu().to_type(ScalarType.Float32).clamp(0, 1) * 255f).round()
                .to_type(ScalarType.Byte).permute(1, 2, 0).contiguous().data<byte>().ToArray();
        }
        return EncodeRgb(hwc, w, h);
    }

    /// <summary>Encodes row-major RGB bytes (H·W·3).</summary>
    public static byte[] EncodeRgb(byte[] rgb, int width, int height)
    {
        if (rgb.Length != width * height * 3)
            throw new ArgumentException($"expected {width * height * 3} RGB bytes for {width}×{height}; got {rgb.Length}.", nameof(rgb));
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        var rgba = new byte[width * height * 4];
        for (int i = 0, j = 0; i < rgb.Length; i += 3, j += 4)
        {
            rgba[j] = rgb[i]; rgba[j + 1] = rgb[i + 1]; rgba[j + 2] = rgb[i + 2]; rgba[j + 3] = 255;
        }
        System.Runtime.InteropServices.Marshal.Copy(rgba, 0, bitmap.GetPixels(), rgba.Length);
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    /// <summary>Decodes PNG bytes to row-major RGB bytes; throws <see cref="InvalidDataException"/> when they are not an image.</summary>
    public static (byte[] Rgb, int Width, int Height) DecodeRgb(byte[] png)
    {
        using var decoded = SKBitmap.Decode(png) ?? throw new InvalidDataException("the bytes are not a decodable image.");
        using var bitmap = decoded.Copy(SKColorType.Rgba8888) ?? throw new InvalidDataException("the image could not be converted to RGBA.");
        int w = bitmap.Width, h = bitmap.Height;
        var rgba = new byte[w * h * 4];
        System.Runtime.InteropServices.Marshal.Copy(bitmap.GetPixels(), rgba, 0, rgba.Length);
        var rgb = new byte[w * h * 3];
        for (int i = 0, j = 0; j < rgba.Length; i += 3, j += 4)
        {
            rgb[i] = rgba[j]; rgb[i + 1] = rgba[j + 1]; rgb[i + 2] = rgba[j + 2];
        }
        return (rgb, w, h);
    }

    /// <summary>Row-major RGB bytes → (3, H, W) float tensor in [0, 1].</summary>
    public static Tensor RgbToTensor(byte[] rgb, int width, int height, Device? device = null) =>
        tensor(rgb, new long[] { height, width, 3 }).to_type(ScalarType.Float32).div_(255f).permute(2, 0, 1).contiguous().to(device ?? CPU);

    /// <summary>Places images side by side in rows of up to <paramref name="columns"/>, with a gap, as one PNG.</summary>
    public static byte[] Grid(IReadOnlyList<byte[]> pngs, int columns = 4, int gap = 2)
    {
        if (pngs.Count == 0) throw new ArgumentException("a grid needs at least one image.", nameof(pngs));
        var bitmaps = pngs.Select(p => SKBitmap.Decode(p) ?? throw new InvalidDataException("a grid image is not decodable.")).ToList();
        try
        {
            int w = bitmaps.Max(b => b.Width), h = bitmaps.Max(b => b.Height);
            int cols = Math.Min(columns, bitmaps.Count), rows = (bitmaps.Count + cols - 1) / cols;
            using var grid = new SKBitmap(cols * w + (cols + 1) * gap, rows * h + (rows + 1) * gap);
            using (var canvas = new SKCanvas(grid))
            {
                canvas.Clear(SKColors.White);
                for (int i = 0; i < bitmaps.Count; i++)
                    canvas.DrawBitmap(bitmaps[i], gap + (i % cols) * (w + gap), gap + (i / cols) * (h + gap));
            }
            using var data = grid.Encode(SKEncodedImageFormat.Png, 100);
            return data.ToArray();
        }
        finally
        {
            foreach (var b in bitmaps) b.Dispose();
        }
    }
}
