using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Marketplace.Hosting.Background;

/// <summary>
/// A loop over items that come due (order timers, reviews to publish, waits to mark, sellers to
/// evaluate), each handled on its own: an item that fails does not stop the others. It is tried
/// again with a growing pause (<see cref="RetryDelay"/>) and, after <see cref="MaxAttempts"/>
/// failures, handed to <see cref="ParkAsync"/>, which takes it out of the due set and keeps it
/// where support can see it. Handling must be idempotent: several replicas sweep the same items,
/// and a crash repeats the last one.
/// </summary>
public abstract partial class DueItemsLoop<TItem>(TimeProvider clock, ILogger logger) : BackgroundLoop(clock, logger)
    where TItem : notnull
{
    private readonly ConcurrentDictionary<TItem, Failure> _failures = new();

    /// <summary>Items taken per read of the due set.</summary>
    protected virtual int BatchSize => 100;

    /// <summary>Failures of one item before it is parked.</summary>
    protected virtual int MaxAttempts => 5;

    /// <summary>
    /// Items of one batch handled at once (1: one after the other, in the order <see cref="DueAsync"/>
    /// gives). More only for a loop whose items are independent of each other and of their order
    /// (each its own unit of work; a conflict between two of them is retried by the unit of work):
    /// their Redis round trips then overlap.
    /// </summary>
    protected virtual int Concurrency => 1;

    /// <summary>
    /// Items handed to <see cref="HandleTogetherAsync"/> in one call (1: each item on its own). A
    /// loop whose items can be handled in one unit of work says how many; a group that fails is
    /// tried again item by item at once, so one bad item is retried and parked on its own while the
    /// others of its group are handled.
    /// </summary>
    protected virtual int ItemsPerUnit => 1;

    /// <summary>Pause before the next try of an item that failed <paramref name="attempts"/> times.</summary>
    protected virtual TimeSpan RetryDelay(int attempts) => TimeSpan.FromSeconds(Math.Min(60, Math.Pow(2, attempts)));

    /// <summary>Up to <paramref name="take"/> items due at <paramref name="now"/>, earliest first.</summary>
    protected abstract Task<IReadOnlyList<TItem>> DueAsync(DateTimeOffset now, int take, CancellationToken cancellationToken);

    /// <summary>Does what <paramref name="item"/> is due for, and takes it out of the due set (or moves it to its next due time).</summary>
    protected abstract Task HandleAsync(TItem item, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>
    /// Handles several items at once (a loop with <see cref="ItemsPerUnit"/> above 1 overrides it).
    /// All or nothing: when it throws, each item is handled again by <see cref="HandleAsync"/>.
    /// </summary>
    protected virtual Task HandleTogetherAsync(IReadOnlyList<TItem> items, DateTimeOffset now, CancellationToken cancellationToken) =>
        throw new NotSupportedException($"{GetType().Name} handles items one by one.");

    /// <summary>Takes an item that keeps failing out of the due set and records it, with its error, for support.</summary>
    protected abstract Task ParkAsync(TItem item, string error, CancellationToken cancellationToken);

    /// <summary>Handles every item due now, batch after batch, until none is left that is not waiting for a retry.</summary>
    public override async Task RunOnceAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            var now = Clock.GetUtcNow();
            var due = await DueAsync(now, BatchSize, cancellationToken);
            var ready = due.Where(item => !(_failures.TryGetValue(item, out var failure) && failure.NextTry > now)).ToList();
            int tried = ready.Count;
            var units = ready.Chunk(Math.Max(1, ItemsPerUnit)).ToList();
            if (Concurrency <= 1)
            {
                foreach (var unit in units)
                {
                    await TryUnitAsync(unit, now, cancellationToken);
                }
            }
            else
            {
                await Parallel.ForEachAsync(units, new ParallelOptions { MaxDegreeOfParallelism = Concurrency, CancellationToken = cancellationToken },
                    async (unit, ct) => await TryUnitAsync(unit, now, ct));
            }

            if (due.Count < BatchSize || tried == 0)
            {
                return;
            }
        }
    }

    private async Task TryUnitAsync(TItem[] unit, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (unit.Length > 1)
        {
            try
            {
                await HandleTogetherAsync(unit, now, cancellationToken);
                foreach (var item in unit)
                {
                    CountHandled();
                    _failures.TryRemove(item, out _);
                }

                return;
            }
            catch (Exception e) when (e is StackExchange.Redis.RedisConnectionException or StackExchange.Redis.RedisTimeoutException)
            {
                throw; // Redis away: as for one item
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
            {
                LogUnitFailed(Logger, GetType().Name, unit.Length, unit[0], e.Message);
            }
        }

        foreach (var item in unit)
        {
            CountHandled();
            await TryAsync(item, now, cancellationToken);
        }
    }

    private async Task TryAsync(TItem item, DateTimeOffset now, CancellationToken cancellationToken)
    {
        try
        {
            await HandleAsync(item, now, cancellationToken);
            _failures.TryRemove(item, out _);
        }
        catch (Exception e) when (e is StackExchange.Redis.RedisConnectionException or StackExchange.Redis.RedisTimeoutException)
        {
            throw; // Redis away: not this item's fault; the pass ends and the loop tries again later
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            int attempts = (_failures.TryGetValue(item, out var earlier) ? earlier.Attempts : 0) + 1;
            if (attempts < MaxAttempts)
            {
                _failures[item] = new Failure(attempts, now + RetryDelay(attempts));
                LogItemFailed(Logger, e, GetType().Name, item, attempts, MaxAttempts);
                return;
            }

            _failures.TryRemove(item, out _);
            LogItemParked(Logger, e, GetType().Name, item, attempts);
            await ParkAsync(item, $"{e.GetType().Name}: {e.Message}", cancellationToken);
        }
    }

    private sealed record Failure(int Attempts, DateTimeOffset NextTry);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Loop}: {Item} failed (attempt {Attempts} of {MaxAttempts}); the others go on")]
    private static partial void LogItemFailed(ILogger logger, Exception exception, string loop, object item, int attempts, int maxAttempts);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Loop}: {Count} items from {First} failed together ({Error}); each on its own")]
    private static partial void LogUnitFailed(ILogger logger, string loop, int count, object first, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Loop}: {Item} failed {Attempts} times and is parked for support")]
    private static partial void LogItemParked(ILogger logger, Exception exception, string loop, object item, int attempts);
}
