using DalleOrleans.Model.Dvae;
using DalleOrleans.Shapes;
using DalleOrleans.Training.Data;
using DalleOrleans.Training.Previews;
using static TorchSharp.torch;

namespace DalleOrleans.Training.Evaluation;

/// <summary>
/// The dVAE's reconstructions through its hard (argmax) codes, as served, on freshly rendered images: PSNR, and
/// how exactly flat regions keep their palette colour (tinted white, halo cells).
/// </summary>
public static class PsnrMeasurement
{
    /// <param name="CodesUsed">Distinct codebook entries the encoder picked over all the images' cells.</param>
    /// <param name="FlatError">Per palette colour present: mean absolute error in levels (0..255, over channels) on its flat pixels, and how many flat pixels.</param>
    /// <param name="FlatPixelsOff">Share of all flat pixels with some channel more than 24 levels off (halos, tints).</param>
    public sealed record Result(Split Split, int Images, double MeanDb, double MinDb, double PooledDb, int CodesUsed,
        IReadOnlyDictionary<ShapeColor, (double MaeLevels, long Pixels)> FlatError, double FlatPixelsOff)
    {
        /// <summary>The largest per-colour flat-region error (levels).</summary>
        public double WorstColorLevels => FlatError.Count == 0 ? 0 : FlatError.Values.Max(v => v.MaeLevels);
    }

    /// <summary>
    /// Mean of per-image PSNR (each image's MSE over its pixels and channels, values in [0, 1]), the worst image,
    /// the PSNR of the pooled MSE, and the flat-region colour errors. Images come from a seed no training stream uses.
    /// </summary>
    public static Result Measure(DiscreteVae dvae, Device device, Split split, int count, int seed, int batch = 32)
    {
        var (rgb, _) = PreviewImages.Render(seed, count, split);
        var psnr = new List<double>(count);
        double sumMse = 0;
        var codes = new HashSet<long>();
        int side = SceneGeometry.ImageSize, bytesPerImage = side * side * 3;
        var errorSum = new double[Palette.Colors.Count];
        var flatCount = new long[Palette.Colors.Count];
        long flatOff = 0;
        using var noGrad = no_grad();
        for (int start = 0; start < count; start += batch)
        {
            using var scope = NewDisposeScope();
            int n = Math.Min(batch, count - start);
            var originalRgb = rgb[(start * bytesPerImage)..((start + n) * bytesPerImage)];
            var images = ImageTensors.FromRgb(originalRgb, n, side, device);                                                   // (n, 3, H, W)
            var tokens = dvae.Encode(images);                                                                                  // (n, h, w)
            codes.UnionWith(tokens.flatten().cpu().data<long>().ToArray());
            var decoded = dvae.Decode(tokens);                                                                                 // (n, 3, H, W)
            var mse = (decoded - images).square().mean([1L, 2L, 3L]).cpu().data<float>().ToArray();                           // (n)
            foreach (var m in mse)
            {
                sumMse += m;
                psnr.Add(Db(m));
            }
            var decodedRgb = ToRgbBytes(decoded);                                                                              // n·H·W·3
            for (int i = 0; i < n; i++)
            {
                var original = originalRgb.AsSpan(i * bytesPerImage, bytesPerImage);
                var flat = ColorFidelity.FlatPixels(original, side, side);
                for (int p = 0; p < flat.Length; p++)
                {
                    if (flat[p] < 0) continue;
                    int o = i * bytesPerImage + 3 * p, worst = 0, sum = 0;
                    for (int c = 0; c < 3; c++)
                    {
                        int d = Math.Abs(decodedRgb[o + c] - original[3 * p + c]);
                        sum += d;
                        worst = Math.Max(worst, d);
                    }
                    errorSum[flat[p]] += sum / 3.0;
                    flatCount[flat[p]]++;
                    if (worst > ColorFidelity.NamedColorTolerance) flatOff++;
                }
            }
        }
        var flatError = Palette.Colors.Where(c => flatCount[(int)c] > 0)
            .ToDictionary(c => c, c => (errorSum[(int)c] / flatCount[(int)c], flatCount[(int)c]));
        long flatTotal = flatCount.Sum();
        return new Result(split, count, psnr.Average(), psnr.Min(), Db(sumMse / count), codes.Count, flatError,
            flatTotal == 0 ? 0 : (double)flatOff / flatTotal);
    }

    /// <summary>(B, 3, H, W) in [0, 1] → B·H·W·3 bytes, rounded as <see cref="Model.Imaging.PngCodec.Encode"/> rounds.</summary>
    public static byte[] ToRgbBytes(Tensor images) =>
        (images.detach().cpu().to_type(ScalarType.Float32).clamp(0, 1) * 255f).round()
            .to_type(ScalarType.Byte).permute(0, 2, 3, 1).contiguous().data<byte>().ToArray();

    static double Db(double mse) => -10 * Math.Log10(Math.Max(mse, 1e-12));
}
