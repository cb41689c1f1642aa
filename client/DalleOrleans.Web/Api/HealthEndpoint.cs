using DalleOrleans.Abstractions;
using DalleOrleans.Web.Hosting;

namespace DalleOrleans.Web.Api;

/// <summary>
/// GET /api/health: 200 with the served model and its limits once a device is registered, else 503 "No generator
/// available" (silos start a moment later). The page reads it to say what it can do; probes use /healthz and /readyz.
/// </summary>
public static class HealthEndpoint
{
    /// <summary>TextTokens: the prompt limit; ImageVocabSize: the top-k limit; MaxCandidates: the candidates limit.</summary>
    public sealed record HealthView(string Status, string Mode, string ModelId, int Devices, int ImageTokens, int TextTokens, int ImageVocabSize, int MaxCandidates);

    public static void MapHealth(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/health", async (IGrainFactory grains, WebOptions options) =>
        {
            IReadOnlyList<DeviceInfo> devices;
            try
            {
                devices = await grains.GetGrain<IModelDirectoryGrain>(0).Devices();
            }
            catch (Exception e) when (e is OrleansException or TimeoutException or InvalidOperationException)
            {
                return Problems.Status(StatusCodes.Status503ServiceUnavailable, "No generator available", $"the cluster does not answer: {e.Message}");
            }
            if (devices.Count == 0)
                return Problems.Status(StatusCodes.Status503ServiceUnavailable, "No generator available", "no device is registered in the cluster yet.");
            var d = devices[0];
            return Results.Ok(new HealthView("ready", options.Embedded ? "embedded" : "cluster", d.ModelId, devices.Count, d.ImageTokens,
                d.TextTokens, d.ImageVocabSize, DalleOrleans.Model.Generation.ImageRequest.MaxCandidates));
        })
        .WithTags("operations")
        .WithSummary("Which model serves, and its limits; 503 when no generator is available")
        .Produces<HealthView>()
        .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
    }
}
