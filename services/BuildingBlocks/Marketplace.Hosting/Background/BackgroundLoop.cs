using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Marketplace.Hosting.Background;

/// <summary>
/// The base of every service's background loop (the <c>Background/</c> folder of each service):
/// runs <see cref="RunOnceAsync"/> every <see cref="Interval"/> of the service's
/// <see cref="TimeProvider"/> until the host stops. A failed pass (e.g. Redis away) is logged and
/// the loop goes on at the next interval; it never ends the loop or the process.
/// </summary>
public abstract partial class BackgroundLoop(TimeProvider clock, ILogger logger) : BackgroundService
{
    protected TimeProvider Clock { get; } = clock;

    protected ILogger Logger { get; } = logger;

    /// <summary>Time between the end of one pass and the start of the next.</summary>
    protected abstract TimeSpan Interval { get; }

    /// <summary>One pass: do what is due now.</summary>
    public abstract Task RunOnceAsync(CancellationToken cancellationToken);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RunOnceAsync(stoppingToken);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                LogPassFailed(Logger, e, GetType().Name);
            }

            try
            {
                await Task.Delay(Interval, Clock, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Loop}: the pass failed; trying again at the next interval")]
    private static partial void LogPassFailed(ILogger logger, Exception exception, string loop);
}
