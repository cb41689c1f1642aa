using System.CommandLine;
using DalleOrleans.Client;

var root = new RootCommand("DalleOrleans: text-to-image generation on an Orleans cluster.")
{
    GenerateCommand.Create(),
    DalleOrleans.Client.Bench.BenchCommand.Create(),
    ModelCommand.Create(),
    SelfCheckCommand.Create(),
};
return await root.Parse(args).InvokeAsync();
