using DalleOrleans.Model.Dvae;
using DalleOrleans.Shapes;
using DalleOrleans.Training.Data;
using DalleOrleans.Training.Previews;
using static TorchSharp.torch;

namespace DalleOrleans.Training.Evaluation;

/// <summary>PSNR of the dVAE's reconstructions through its hard (argmax) codes, as served, on freshly rendered images.</summary>
public static class PsnrMeasurement
{
    /// <param name="CodesUsed">Distinct codebook entries the encoder picked over all the images' cells.</param>
    public sealed record Result(Split Split, int Images, double MeanDb, double MinDb, double PooledDb, int CodesUsed);

    /// <summary>
    /// Mean of per-image PSNR (each image's MSE over its pixels and channels, values in [0, 1]), the worst image,
    /// and the PSNR of the pooled MSE. Images come from a seed no training stream uses.
    /// </summary>
    public static Result Measure(DiscreteVae dvae, Device device, Split split, int count, int seed, int batch = 32)
    {
        var (rgb, _) = PreviewImages.Render(seed, count, split);
        var psnr = new List<double>(count);
        double sumMse = 0;
        var codes = new HashSet<long>();
        int side = SceneGeometry.ImageSize, bytesPerImage = side * side * 3;
        using var noGrad = no_grad();
        for (int start = 0; start < count; start += batch)
        {
            using var scope = NewDisposeScope();
            int n = Math.Min(batch, count - start);
            var images = ImageTensors.FromRgb(rgb[(start * bytesPerImage)..((start + n) * bytesPerImage)], n, side, device);   // (n, 3, H, W)
            var tokens = dvae.Encode(images);                                                                                  // (n, h, w)
            codes.UnionWith(tokens.flatten().cpu().data<long>().ToArray());
            var mse = (dvae.Decode(tokens) - images).square().mean([1L, 2L, 3L]).cpu().data<float>().ToArray();               // (n)
            foreach (var m in mse)
            {
                sumMse += m;
                psnr.Add(Db(m));
            }
        }
        return new Result(split, count, psnr.Average(), psnr.Min(), Db(sumMse / count), codes.Count);
    }

    static double Db(double mse) => -10 * Math.Log10(Math.Max(mse, 1e-12));
}
