using SkiaSharp;

namespace DalleOrleans.Shapes;

/// <summary>
/// Draws scenes with SkiaSharp, anti-aliased, into 64×64 RGB bytes. One instance owns one bitmap, canvas,
/// paint and path and reuses them for every image, which is what makes streaming hundreds of thousands
/// of samples cheap. <b>Not thread-safe</b>: give each thread its own renderer.
/// </summary>
public sealed class ShapeRenderer : IDisposable
{
    /// <summary>Bytes in one rendered image: height × width × 3 (RGB).</summary>
    public const int ByteCount = SceneGeometry.ImageSize * SceneGeometry.ImageSize * 3;

    private readonly SKBitmap _bitmap;
    private readonly SKCanvas _canvas;
    private readonly SKPaint _paint;
    private readonly SKPath _path;

    public ShapeRenderer()
    {
        // RGBA8888 without a colour space: Skia then neither converts colours nor reorders channels, so
        // fully covered pixels keep the palette's bytes exactly and the copy-out is a plain channel drop.
        var info = new SKImageInfo(SceneGeometry.ImageSize, SceneGeometry.ImageSize, SKColorType.Rgba8888, SKAlphaType.Premul);
        _bitmap = new SKBitmap(info);
        _canvas = new SKCanvas(_bitmap);
        _paint = new SKPaint { IsAntialias = true, Style = SKPaintStyle.Fill };
        _path = new SKPath();
    }

    /// <summary>Renders <paramref name="scene"/> into a new array of <see cref="ByteCount"/> bytes, row-major, HWC, RGB.</summary>
    public byte[] Render(ShapeScene scene)
    {
        var rgb = new byte[ByteCount];
        RenderInto(scene, rgb);
        return rgb;
    }

    /// <summary>Renders <paramref name="scene"/> into the first <see cref="ByteCount"/> bytes of <paramref name="rgb"/>
    /// (row-major, HWC, RGB), e.g. a slice of a batch buffer, without allocating.</summary>
    public void RenderInto(ShapeScene scene, Span<byte> rgb)
    {
        if (rgb.Length < ByteCount)
        {
            throw new ArgumentException($"need {ByteCount} bytes, got {rgb.Length}", nameof(rgb));
        }

        Draw(scene);
        RgbImage.CopyRgbaToRgb(_bitmap.GetPixelSpan(), rgb);
    }

    /// <summary>The scene as a new bitmap (RGBA8888), for debugging; the caller disposes it.</summary>
    public SKBitmap RenderBitmap(ShapeScene scene)
    {
        Draw(scene);
        return _bitmap.Copy();
    }

    /// <summary>The scene as an RGB PNG, for debugging and for looking at samples; the same file
    /// <see cref="RgbImage.EncodePng(ReadOnlySpan{byte}, int, int)"/> writes for the rendered bytes.</summary>
    public byte[] RenderPng(ShapeScene scene) => RgbImage.EncodePng(Render(scene));

    private void Draw(ShapeScene scene)
    {
        ArgumentNullException.ThrowIfNull(scene);
        _canvas.Clear(ToSkia(scene.Background));
        _paint.Color = ToSkia(scene.Color);
        var half = scene.Side / 2f;
        var (x, y) = (scene.CenterX, scene.CenterY);
        switch (scene.Kind)
        {
            case ShapeKind.Circle:
                _canvas.DrawCircle(x, y, half, _paint);
                break;
            case ShapeKind.Square:
                _canvas.DrawRect(SKRect.Create(x - half, y - half, scene.Side, scene.Side), _paint);
                break;
            case ShapeKind.Triangle:
                _path.Reset();
                _path.MoveTo(x, y - half);
                _path.LineTo(x + half, y + half);
                _path.LineTo(x - half, y + half);
                _path.Close();
                _canvas.DrawPath(_path, _paint);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(scene), scene.Kind, "unknown shape kind");
        }

        _canvas.Flush();
    }

    private static SKColor ToSkia(ShapeColor color)
    {
        var rgb = color.ToRgb();
        return new SKColor(rgb.R, rgb.G, rgb.B);
    }

    public void Dispose()
    {
        _path.Dispose();
        _paint.Dispose();
        _canvas.Dispose();
        _bitmap.Dispose();
    }
}
