using DalleOrleans.Training.Setup;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DalleOrleans.Training.Training;

/// <summary>AdamW with decoupled weight decay on weight matrices, kernels and embeddings only (as nanoGPT): biases, norms and scalars are not decayed.</summary>
public static class Optimizers
{
    public static AdamW AdamW(nn.Module module, StagePlan plan, double beta1 = 0.9, double beta2 = 0.98)
    {
        var parameters = module.parameters().Where(p => p.requires_grad).ToList();
        var decay = parameters.Where(p => p.dim() >= 2).ToList();
        var plain = parameters.Where(p => p.dim() < 2).ToList();
        var groups = new List<TorchSharp.Modules.AdamW.ParamGroup>();
        if (decay.Count > 0) groups.Add(new TorchSharp.Modules.AdamW.ParamGroup(decay, plan.LearningRate, beta1, beta2, 1e-8, plan.WeightDecay, false, false));
        if (plain.Count > 0) groups.Add(new TorchSharp.Modules.AdamW.ParamGroup(plain, plan.LearningRate, beta1, beta2, 1e-8, 0.0, false, false));
        return optim.AdamW(groups, plan.LearningRate, beta1, beta2, 1e-8, plan.WeightDecay, false, false);
    }

    /// <summary>Clips the global gradient norm; returns the norm before clipping (a useful health signal).</summary>
    public static double ClipGradients(nn.Module module, double maxNorm) =>
        nn.utils.clip_grad_norm_(module.parameters().Where(p => p.requires_grad), maxNorm, 2.0);
}
