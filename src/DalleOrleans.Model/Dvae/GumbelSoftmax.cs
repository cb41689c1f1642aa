using TorchSharp;
using static TorchSharp.torch;

namespace DalleOrleans.Model.Dvae;

/// <summary>The gumbel-softmax (concrete) relaxation of a categorical sample (Jang et al.; Maddison et al.).</summary>
public static class GumbelSoftmax
{
    /// <summary>
    /// softmax((logits + g) / τ) along <paramref name="dim"/>, with g ~ Gumbel(0, 1) drawn from
    /// <paramref name="generator"/> (the global generator when null). As τ → 0 the sample tends to a one-hot
    /// vector drawn from softmax(logits); larger τ gives smoother, lower-variance gradients.
    /// </summary>
    public static Tensor Sample(Tensor logits, double temperature, long dim = 1, Generator? generator = null)   // (B, K, h, w)
    {
        if (!(temperature > 0) || double.IsInfinity(temperature))
            throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "temperature must be a positive finite number.");
        // rand is in [0, 1); the floor keeps log(u) finite when it returns exactly 0.
        var u = torch.rand(logits.shape, dtype: logits.dtype, device: logits.device, generator: generator).clamp(min: 1e-20);   // (B, K, h, w)
        var gumbel = -torch.log(-torch.log(u));                                  // (B, K, h, w)
        return ((logits + gumbel) / temperature).softmax(dim);           // (B, K, h, w)
    }
}
