using System.CommandLine;
using DalleOrleans.Client;

var root = new RootCommand("DalleOrleans: text-to-image generation on an Orleans cluster.");
root.Subcommands.Add(SelfCheckCommand.Create());
return await root.Parse(args).InvokeAsync();
