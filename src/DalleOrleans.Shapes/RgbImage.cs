using System.Runtime.InteropServices;
using SkiaSharp;

namespace DalleOrleans.Shapes;

/// <summary>
/// Conversions between the data set's RGB byte layout (row-major, HWC, 3 bytes a pixel) and SkiaSharp
/// bitmaps and PNG files, for looking at rendered or generated images.
/// </summary>
public static class RgbImage
{
    /// <summary>Drops the alpha byte of every RGBA pixel; the images are opaque, so nothing is lost.</summary>
    public static void CopyRgbaToRgb(ReadOnlySpan<byte> rgba, Span<byte> rgb)
    {
        var pixels = rgba.Length / 4;
        if (rgb.Length < pixels * 3)
        {
            throw new ArgumentException($"need {pixels * 3} bytes, got {rgb.Length}", nameof(rgb));
        }

        for (int i = 0, j = 0; i < pixels * 4; i += 4, j += 3)
        {
            rgb[j] = rgba[i];
            rgb[j + 1] = rgba[i + 1];
            rgb[j + 2] = rgba[i + 2];
        }
    }

    /// <summary>A new opaque RGBA8888 bitmap holding <paramref name="rgb"/>; the caller disposes it.</summary>
    public static SKBitmap ToBitmap(ReadOnlySpan<byte> rgb, int width = SceneGeometry.ImageSize, int height = SceneGeometry.ImageSize)
    {
        CheckLength(rgb.Length, width, height);
        var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        var rgba = new byte[width * height * 4];
        for (int i = 0, j = 0; j < width * height * 3; i += 4, j += 3)
        {
            rgba[i] = rgb[j];
            rgba[i + 1] = rgb[j + 1];
            rgba[i + 2] = rgb[j + 2];
            rgba[i + 3] = 255;
        }

        // One copy into Skia's pixel memory, which is only valid without row padding.
        if (bitmap.RowBytes != width * 4)
        {
            throw new InvalidOperationException($"unexpected row padding: {bitmap.RowBytes} bytes for {width} pixels");
        }

        Marshal.Copy(rgba, 0, bitmap.GetPixels(), rgba.Length);
        bitmap.NotifyPixelsChanged();
        return bitmap;
    }

    /// <summary>PNG bytes of an RGB image.</summary>
    public static byte[] EncodePng(ReadOnlySpan<byte> rgb, int width = SceneGeometry.ImageSize, int height = SceneGeometry.ImageSize)
    {
        using var bitmap = ToBitmap(rgb, width, height);
        return EncodePng(bitmap);
    }

    /// <summary>PNG bytes of a bitmap.</summary>
    public static byte[] EncodePng(SKBitmap bitmap)
    {
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    /// <summary>Decodes a PNG (or any format Skia reads) into RGB bytes, row-major, HWC.</summary>
    public static byte[] DecodeRgb(byte[] encoded, out int width, out int height)
    {
        using var codec = SKCodec.Create(new SKMemoryStream(encoded))
            ?? throw new ArgumentException("not an image Skia can decode", nameof(encoded));
        var info = new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        using var bitmap = SKBitmap.Decode(codec, info)
            ?? throw new ArgumentException("the image did not decode", nameof(encoded));
        (width, height) = (info.Width, info.Height);
        var rgb = new byte[width * height * 3];
        CopyRgbaToRgb(bitmap.GetPixelSpan(), rgb);
        return rgb;
    }

    private static void CheckLength(int length, int width, int height)
    {
        if (width <= 0 || height <= 0 || length < width * height * 3)
        {
            throw new ArgumentException($"a {width}×{height} RGB image needs {width * height * 3} bytes, got {length}");
        }
    }
}
