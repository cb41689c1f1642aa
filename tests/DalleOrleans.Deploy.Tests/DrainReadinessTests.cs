using System.Net;
using DalleOrleans.Abstractions;
using DalleOrleans.Grains.Devices;
using Microsoft.Extensions.DependencyInjection;

namespace DalleOrleans.Deploy.Tests;

/// <summary>
/// A stopping silo drains its devices before it leaves; for that whole time its operations listener keeps answering:
/// /readyz says 503 "stopping" (so a load balancer or Kubernetes sends it nothing new) and /metrics still shows the drain.
/// Work it accepted finishes, even in a one-silo cluster: the tokens are decoded on the draining device that drew them.
/// </summary>
public sealed class DrainReadinessTests
{
    [Fact]
    public async Task WhileASiloDrainsItsReadyzAnswers503ItsMetricsStayReachableAndItsWorkFinishes()
    {
        await using var silo = await SiloHost.StartAsync();
        await silo.WaitUntilReadyAsync();
        var executor = silo.App.Services.GetRequiredService<DeviceHost>().Executors.Single();

        // Hold the device thread so the drain has queued streams to wait for.
        using var hold = new ManualResetEventSlim();
        var held = executor.Run(_ => hold.Wait(TimeSpan.FromSeconds(60)));
        var generation = silo.Client.GenerateAsync(new GenerationRequest { Prompt = "a red circle", Candidates = 2, Top = 1, Seed = 4242 });
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (executor.QueuedStreams == 0 && DateTime.UtcNow < deadline) await Task.Delay(20);
        Assert.True(executor.QueuedStreams > 0, "the generation's streams should wait on the held device");

        var stopping = silo.App.StopAsync();
        try
        {
            HttpStatusCode status = HttpStatusCode.OK;
            string body = "";
            deadline = DateTime.UtcNow.AddSeconds(15);
            while (status == HttpStatusCode.OK && DateTime.UtcNow < deadline)
            {
                using var response = await silo.Http.GetAsync("/readyz");
                (status, body) = (response.StatusCode, await response.Content.ReadAsStringAsync());
                if (status == HttpStatusCode.OK) await Task.Delay(50);
            }
            Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
            Assert.Contains("stopping", body);
            // Readiness turns 503 the moment the drain starts; the device itself starts draining a step later, once it
            // has left the directory (DeviceRegistration.Drain): wait for that, bounded.
            deadline = DateTime.UtcNow.AddSeconds(15);
            while (!executor.Draining && DateTime.UtcNow < deadline) await Task.Delay(20);
            Assert.True(executor.Draining, "the device should be draining within 15 s of readiness saying stopping");
            Assert.True(executor.QueuedStreams + executor.ActiveStreams > 0, "the drain should still be waiting for the held streams");
            Assert.False(stopping.IsCompleted);

            using var metrics = await silo.Http.GetAsync("/metrics");
            Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
        }
        finally
        {
            hold.Set();
            await held;
        }
        var result = await generation.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Single(result.Images);
        await stopping.WaitAsync(TimeSpan.FromSeconds(60));
    }
}
