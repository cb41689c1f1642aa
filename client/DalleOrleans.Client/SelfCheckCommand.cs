using System.CommandLine;
using DalleOrleans.Abstractions;
using DalleOrleans.Grains;
using DalleOrleans.Model;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Spectre.Console;

namespace DalleOrleans.Client;

/// <summary>
/// `dalle selfcheck`: starts an embedded silo, calls a grain through it and runs a libtorch matmul.
/// Proves on a fresh machine that Orleans and TorchSharp both work here.
/// </summary>
public static class SelfCheckCommand
{
    public static Command Create()
    {
        var command = new Command("selfcheck", "Start an embedded silo, call a grain and run a libtorch matmul.");
        command.SetAction(async (_, ct) => await Run(ct));
        return command;
    }

    static async Task<int> Run(CancellationToken ct)
    {
        var settings = new ClusterSettings { SiloPort = FreePort.Next(), GatewayPort = FreePort.Next() };
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.UseOrleans(silo => silo.UseDalleCluster(settings));
        using var host = builder.Build();
        await host.StartAsync(ct);
        try
        {
            var grains = host.Services.GetRequiredService<IGrainFactory>();
            var reply = await grains.GetGrain<IPingGrain>("selfcheck").Ping("hello");
            AnsiConsole.MarkupLineInterpolated($"[green]✓[/] embedded silo {reply.Silo} answered '{reply.Message}'");
            // Tensor work off the Orleans scheduler: this runs on the command's own thread.
            double sum = await Task.Run(TorchRuntime.SelfCheck, ct);
            AnsiConsole.MarkupLineInterpolated($"[green]✓[/] {TorchRuntime.Describe()}; matmul checksum {sum:F1}");
            return 0;
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
        }
    }
}
