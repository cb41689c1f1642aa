using DalleOrleans.Client;

return await Cli.InvokeAsync(args);
