using Marketplace.Hosting;
using StackExchange.Redis;

namespace Marketplace.EventBus;

/// <summary>How a unit of work ended.</summary>
/// <param name="AlreadyDone">The operation had been done before: nothing was written or published this time.</param>
/// <param name="Result">The result stored with the operation (this run's, or the first run's when <paramref name="AlreadyDone"/>).</param>
/// <param name="Events">Events committed by this run (empty when <paramref name="AlreadyDone"/>).</param>
public sealed record UnitOfWorkOutcome(bool AlreadyDone, RedisValue Result, IReadOnlyList<CloudEvent> Events);

/// <summary>The commit kept failing because other writers changed what the work read.</summary>
public sealed class ConcurrencyConflictException(string message) : Exception(message);

/// <summary>
/// Runs a unit of work to commit: returns the stored result at once when the operation was
/// already done, otherwise runs the work, commits it with one Lua script, and runs it again on
/// fresh values when a value it read changed before the commit.
/// </summary>
public sealed class UnitOfWorkExecutor(RedisConnection redis, EventBusContext context)
{
    /// <summary>Attempts before a unit that keeps conflicting gives up.</summary>
    public const int MaxConflictRetries = 32;

    /// <summary>
    /// Runs <paramref name="work"/> for <paramref name="operation"/> (a request or event key; null
    /// for an operation that is not idempotent by key). Exceptions from the work propagate and
    /// commit nothing.
    /// </summary>
    public async Task<UnitOfWorkOutcome> ExecuteAsync(string? operation, Func<UnitOfWork, CancellationToken, Task> work, CancellationToken cancellationToken)
    {
        var database = redis.Database;
        if (operation is not null)
        {
            var prior = await database.StringGetAsync(Names.DoneKey(context.AppId, operation));
            if (!prior.IsNull)
            {
                return new UnitOfWorkOutcome(true, prior, []);
            }
        }

        for (int attempt = 1; ; attempt++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var unit = new UnitOfWork(database, context, operation);
            await work(unit, cancellationToken);

            var (keys, args) = unit.BuildScriptInput();
            var reply = (RedisResult[])(await UnitOfWorkScript.Script.EvaluateAsync(database, keys, args))!;
            switch ((string)reply[0]!)
            {
                case "ok":
                    return new UnitOfWorkOutcome(false, unit.Result, unit.Events);
                case "done":
                    return new UnitOfWorkOutcome(true, (RedisValue)reply[1], []);
                case "conflict" when attempt < MaxConflictRetries:
                    await Task.Delay(Random.Shared.Next(0, Math.Min(50, attempt * 2) + 1), cancellationToken);
                    break;
                case "conflict":
                    throw new ConcurrencyConflictException(
                        $"Unit of work '{operation}' conflicted {attempt} times on key '{(string?)reply[1]}'.");
                default:
                    throw new InvalidOperationException("Unexpected unit-of-work reply: " + (string?)reply[0]);
            }
        }
    }

    /// <summary>The result stored for <paramref name="operation"/>, or null when it has not been done.</summary>
    public async Task<RedisValue> GetResultAsync(string operation) =>
        await redis.Database.StringGetAsync(Names.DoneKey(context.AppId, operation));
}
