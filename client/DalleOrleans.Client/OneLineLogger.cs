using Microsoft.Extensions.Logging;

namespace DalleOrleans.Client;

/// <summary>
/// The CLI's log output: one line per entry on stderr ("warn: Category: message (ExceptionType: message)"), never a
/// stack trace. The console logger prints whole exceptions, which buried the CLI's own one-line error when a cluster
/// was unreachable. More detail: Logging__LogLevel__Default=Debug in the environment.
/// </summary>
public sealed class OneLineLoggerProvider(TextWriter error) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new OneLineLogger(error, categoryName);

    public void Dispose() { }

    sealed class OneLineLogger(TextWriter error, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel)) return;
            string level = logLevel switch
            {
                LogLevel.Critical => "crit", LogLevel.Error => "fail", LogLevel.Warning => "warn",
                LogLevel.Information => "info", LogLevel.Debug => "dbug", _ => "trce",
            };
            string message = formatter(state, exception).ReplaceLineEndings(" ");
            string cause = exception is null ? "" : $" ({exception.GetType().Name}: {exception.Message.ReplaceLineEndings(" ")})";
            lock (error) error.WriteLine($"{level}: {category}: {message}{cause}");
        }
    }
}
