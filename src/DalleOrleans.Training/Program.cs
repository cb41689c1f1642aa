using DalleOrleans.Training.Cli;

return TrainCli.Invoke(args, Console.Out, Console.Error);
