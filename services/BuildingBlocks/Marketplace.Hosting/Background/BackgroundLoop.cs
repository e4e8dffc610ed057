using Marketplace.Hosting.Time;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Marketplace.Hosting.Background;

/// <summary>
/// The base of every service's background loop (the <c>Background/</c> folder of each service):
/// runs <see cref="RunOnceAsync"/> every <see cref="Interval"/> of the service's
/// <see cref="TimeProvider"/> until the host stops. A failed pass (e.g. Redis away) is logged and
/// the loop goes on at the next interval; it never ends the loop or the process.
/// On the simulated clock (<see cref="SimulatedClock"/>, docs/clock.md) a loop also runs a pass
/// as soon as the clock is published again, and after each pass reports the round it has caught
/// up with, whether it handled anything, and its next due time (<see cref="NextDueAsync"/>), so
/// that the driver can move the clock from one due time to the next.
/// </summary>
public abstract partial class BackgroundLoop(TimeProvider clock, ILogger logger) : BackgroundService
{
    protected TimeProvider Clock { get; } = clock;

    protected ILogger Logger { get; } = logger;

    /// <summary>Time between the end of one pass and the start of the next.</summary>
    protected abstract TimeSpan Interval { get; }

    private int _handled;

    /// <summary>One pass: do what is due now.</summary>
    public abstract Task RunOnceAsync(CancellationToken cancellationToken);

    /// <summary>
    /// The earliest time after <paramref name="after"/> at which this loop will have something to
    /// do, or null when nothing is scheduled (e.g. work that other parts hand it, due at once).
    /// Read only on the simulated clock.
    /// </summary>
    protected virtual Task<DateTimeOffset?> NextDueAsync(DateTimeOffset after) => Task.FromResult<DateTimeOffset?>(null);

    /// <summary>Counts items a pass handled (on the simulated clock, a round that handled any is repeated before the clock moves on).</summary>
    protected void CountHandled() => Interlocked.Increment(ref _handled);

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        if (Clock is SimulatedClock simulated)
        {
            // Registered before the service is ready, so the driver never moves the clock past this loop.
            await simulated.ReportAsync(GetType().Name, -1, 0, null);
        }

        await base.StartAsync(cancellationToken);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        if (Clock is SimulatedClock simulated)
        {
            try
            {
                await simulated.LeaveAsync(GetType().Name);
            }
            catch (StackExchange.Redis.RedisException)
            {
                // Redis away: the driver names this loop if it waits for it.
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        var simulated = Clock as SimulatedClock;
        Report? last = null;
        while (!stoppingToken.IsCancellationRequested)
        {
            var reading = simulated?.Current;
            bool passed = false;
            try
            {
                await RunOnceAsync(stoppingToken);
                passed = true;
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                LogPassFailed(Logger, e, GetType().Name);
            }

            if (simulated is not null && reading is not null && passed)
            {
                last = await ReportAsync(simulated, reading, last, stoppingToken);
            }

            try
            {
                if (simulated is not null && reading is not null)
                {
                    using var woken = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                    await Task.WhenAny(Task.Delay(Interval, Clock, woken.Token), simulated.WhenAdvancedAsync(reading.Round, woken.Token));
                    await woken.CancelAsync();
                    stoppingToken.ThrowIfCancellationRequested();
                }
                else
                {
                    await Task.Delay(Interval, Clock, stoppingToken);
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>
    /// Tells the driver this loop has done what was due at <paramref name="reading"/>'s round. Handled
    /// items add up within a round; a pass that changes nothing the driver knows is not reported again.
    /// </summary>
    private async Task<Report?> ReportAsync(SimulatedClock simulated, SimulatedClock.Reading reading, Report? last, CancellationToken stoppingToken)
    {
        try
        {
            int handled = Interlocked.Exchange(ref _handled, 0) + (last?.Round == reading.Round ? last.Handled : 0);
            var report = new Report(reading.Round, handled, await NextDueAsync(reading.Now));
            if (report != last)
            {
                await simulated.ReportAsync(GetType().Name, report.Round, report.Handled, report.NextDue);
            }

            return report;
        }
        catch (Exception e) when (!stoppingToken.IsCancellationRequested)
        {
            LogPassFailed(Logger, e, GetType().Name);
            return null;
        }
    }

    private sealed record Report(long Round, int Handled, DateTimeOffset? NextDue);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Loop}: the pass failed; trying again at the next interval")]
    private static partial void LogPassFailed(ILogger logger, Exception exception, string loop);
}
