using DalleOrleans.Abstractions;
using DalleOrleans.Web.Hosting;

namespace DalleOrleans.Web.Api;

/// <summary>GET /api/health: 200 with the served model once a device is registered, else 503 (silos start a moment later).</summary>
public static class HealthEndpoint
{
    public sealed record HealthView(string Status, string Mode, string ModelId, int Devices, int ImageTokens);

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
                return Problems.Status(StatusCodes.Status503ServiceUnavailable, "Cluster unavailable", e.Message);
            }
            if (devices.Count == 0)
                return Problems.Status(StatusCodes.Status503ServiceUnavailable, "Not ready", "no device is registered in the cluster yet.");
            return Results.Ok(new HealthView("ready", options.Embedded ? "embedded" : "cluster", devices[0].ModelId, devices.Count, devices[0].ImageTokens));
        });
    }
}
