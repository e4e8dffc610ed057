using System.Globalization;
using Marketplace.Hosting.Redis;
using StackExchange.Redis;

namespace Marketplace.Hosting.Time;

/// <summary>What an advance of the simulated clock did: where the clock is now, how many times it stopped on the way, and how many rounds the loops ran.</summary>
public sealed record ClockAdvance(DateTimeOffset Now, int Steps, int Rounds);

/// <summary>
/// Moves the platform's simulated clock (<see cref="SimulatedClock"/>, docs/clock.md) and waits
/// until the platform has caught up. The contract: when <see cref="AdvanceToAsync"/> returns,
/// every timer, window, wait and evaluation due at or before the target has fired, in order of
/// due time and each at its own due time, and every event they caused has been handled. To get
/// there the clock stops at each due time on the way: at each stop it is published (a new
/// round), every loop of every service runs a pass and reports the round and its next due time
/// (<see cref="ClockKeys.Loops"/>), the bus is waited for until every event is handled; the
/// round is repeated at the same time until one passes in which no loop handled an item and no
/// event was published; then the clock moves to the earliest next due time (or the target).
/// The driver is the only writer of the clock; run one at a time. Services must be running (a
/// loop registers when its service starts, and leaves when it stops).
/// </summary>
public sealed class SimulatedClockDriver
{
    private const string PublishScript = """
        local now = redis.call('HGET', KEYS[1], 'now')
        if now and tonumber(ARGV[1]) < tonumber(now) then
          return redis.error_reply('the simulated clock only moves forward (it is at ' .. now .. ' ms)')
        end
        local round = redis.call('HINCRBY', KEYS[1], 'round', 1)
        redis.call('HSET', KEYS[1], 'now', ARGV[1])
        redis.call('PUBLISH', ARGV[2], round .. ' ' .. ARGV[1])
        return round
        """;

    private const string StartScript = """
        if redis.call('HEXISTS', KEYS[1], 'now') == 1 then return 0 end
        redis.call('HSET', KEYS[1], 'now', ARGV[1], 'round', 0)
        return 1
        """;

    /// <summary>Rounds at one time before the driver gives up: loops that keep finding work at the same time never settle.</summary>
    public const int MaxRoundsPerStop = 100;

    /// <summary>How often the bus is looked at while events are still being handled.</summary>
    private static readonly TimeSpan BusPoll = TimeSpan.FromMilliseconds(2);

    /// <summary>
    /// The bus at rest, read in one state (the driver asks at least once a round): KEYS are the topics, then their
    /// outboxes in the same order. Nil while an outbox holds an entry or a consumer group of a topic has not read and
    /// acknowledged its last entry; else the heads "topic@last-id" of the topics that exist, joined by spaces.
    /// </summary>
    private static readonly RedisScript BusScript = new("""
        local n = #KEYS / 2
        for i = 1, n do
          if redis.call('XLEN', KEYS[n + i]) > 0 then return false end
        end
        local function field(flat, name)
          for j = 1, #flat, 2 do
            if flat[j] == name then return flat[j + 1] end
          end
          return nil
        end
        local heads = {}
        for i = 1, n do
          local topic = KEYS[i]
          if redis.call('EXISTS', topic) == 1 then
            local last = field(redis.call('XINFO', 'STREAM', topic), 'last-generated-id')
            for _, group in ipairs(redis.call('XINFO', 'GROUPS', topic)) do
              if field(group, 'pending') > 0 or field(group, 'last-delivered-id') ~= last then return false end
            end
            table.insert(heads, topic .. '@' .. last)
          end
        end
        return table.concat(heads, ' ')
        """);

    private readonly IConnectionMultiplexer _redis;
    private readonly IReadOnlyList<string> _topics;
    private readonly RedisKey[] _busKeys;
    private readonly TimeSpan _timeout;

    /// <param name="redis">The platform's Redis.</param>
    /// <param name="topics">The event bus's topics (the services' app ids; each has an outbox <c>&lt;topic&gt;:outbox</c>).</param>
    /// <param name="timeout">How long one round (loops reporting, the bus settling) may take before the advance fails, naming what lags.</param>
    public SimulatedClockDriver(IConnectionMultiplexer redis, IReadOnlyList<string> topics, TimeSpan? timeout = null)
    {
        _redis = redis;
        _topics = topics;
        _busKeys = [.. topics.Select(topic => (RedisKey)topic), .. topics.Select(topic => (RedisKey)(topic + ":outbox"))];
        _timeout = timeout ?? TimeSpan.FromSeconds(60);
    }

    private IDatabase Db => _redis.GetDatabase();

    /// <summary>The simulated time now, or null before anything has set it.</summary>
    public async Task<DateTimeOffset?> NowAsync()
    {
        var now = await Db.HashGetAsync(ClockKeys.Clock, "now");
        return now.IsNull ? null : DateTimeOffset.FromUnixTimeMilliseconds((long)now);
    }

    /// <summary>Sets where the clock starts, before any service has read it (a service that starts first sets it to the machine's time). False when it was set already.</summary>
    public async Task<bool> StartAtAsync(DateTimeOffset start) =>
        (long)await Db.ScriptEvaluateAsync(StartScript, [ClockKeys.Clock], [start.ToUnixTimeMilliseconds()]) == 1;

    /// <summary>Moves the clock <paramref name="by"/> forward (see <see cref="AdvanceToAsync"/>).</summary>
    public async Task<ClockAdvance> AdvanceAsync(TimeSpan by, CancellationToken cancellationToken = default, TimeSpan? granularity = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(by, TimeSpan.Zero);
        var now = await NowAsync() ?? throw new InvalidOperationException("the simulated clock is not set: start a service with Platform:Clock=Simulated, or StartAtAsync");
        return await AdvanceToAsync(now + by, cancellationToken, granularity);
    }

    /// <summary>Waits, without moving the clock, until everything due now is done and the bus is at rest (e.g. after a few calls).</summary>
    public async Task<ClockAdvance> SettleAsync(CancellationToken cancellationToken = default)
    {
        var now = await NowAsync() ?? throw new InvalidOperationException("the simulated clock is not set");
        return await AdvanceToAsync(now, cancellationToken);
    }

    /// <summary>
    /// Moves the clock to <paramref name="target"/>, stopping at every due time on the way, and
    /// returns when everything due up to it has been done (see the class summary). With a
    /// <paramref name="granularity"/> the clock stops only on multiples of it (Unix time), at the
    /// first one at or after the earliest due time: fewer stops for long simulations, but an item
    /// is then handled up to that much after its due time, with the stop's time as its time, and
    /// items due between two stops are handled together (opt-in; the default stops at each due time).
    /// </summary>
    public async Task<ClockAdvance> AdvanceToAsync(DateTimeOffset target, CancellationToken cancellationToken = default, TimeSpan? granularity = null)
    {
        if (granularity is { } g)
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(g, TimeSpan.Zero, nameof(granularity));
        }

        var reported = new SemaphoreSlim(0);
        var subscriber = _redis.GetSubscriber();
        var channel = RedisChannel.Literal(ClockKeys.LoopReported);
        Action<RedisChannel, RedisValue> onReport = (_, _) => reported.Release();
        await subscriber.SubscribeAsync(channel, onReport);
        try
        {
            var now = await NowAsync() ?? throw new InvalidOperationException("the simulated clock is not set");
            if (target < now)
            {
                throw new ArgumentOutOfRangeException(nameof(target), $"the simulated clock only moves forward (it is at {now:O}, asked for {target:O})");
            }

            int steps = 0, rounds = 0;
            string? atRest = null;   // the bus's heads when the last round ended (null: not known yet, e.g. after calls)
            while (true)
            {
                (var nextDue, int used, atRest) = await QuiesceAsync(now, atRest, reported, cancellationToken);
                rounds += used;
                if (now >= target)
                {
                    return new ClockAdvance(now, steps, rounds);
                }

                now = nextDue is { } due && Stop(due, granularity) is var stop && stop < target ? stop : target;
                steps++;
            }
        }
        finally
        {
            await subscriber.UnsubscribeAsync(channel, onReport);
        }
    }

    /// <summary>The stop for an item due at <paramref name="due"/>: that time, or the first multiple of <paramref name="granularity"/> at or after it.</summary>
    private static DateTimeOffset Stop(DateTimeOffset due, TimeSpan? granularity)
    {
        if (granularity is not { } g)
        {
            return due;
        }

        long ticks = due.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
        long rounded = (ticks + g.Ticks - 1) / g.Ticks * g.Ticks;
        return DateTimeOffset.UnixEpoch.AddTicks(rounded);
    }

    /// <summary>
    /// Rounds at <paramref name="now"/> until one changes nothing; returns the loops' earliest next
    /// due time after it, and the bus's heads at rest. <paramref name="atRest"/>: the heads the last
    /// round of the previous stop ended with (null to wait for the bus first).
    /// </summary>
    private async Task<(DateTimeOffset? NextDue, int Rounds, string AtRest)> QuiesceAsync(DateTimeOffset now, string? atRest, SemaphoreSlim reported, CancellationToken cancellationToken)
    {
        string busy = "";
        for (int round = 1; round <= MaxRoundsPerStop; round++)
        {
            // Between two rounds nothing runs (the loops wait for the next one, and no calls are made
            // while the driver moves the clock), so the bus is still as the last round left it.
            string before = atRest ?? await BusAtRestAsync(now, cancellationToken);
            long published = (long)await Db.ScriptEvaluateAsync(
                PublishScript, [ClockKeys.Clock], [now.ToUnixTimeMilliseconds(), ClockKeys.Advanced]);
            var loops = await LoopsCaughtUpAsync(published, reported, cancellationToken);
            string after = atRest = await BusAtRestAsync(now, cancellationToken);
            if (before == after && loops.All(l => l.Handled == 0))
            {
                var next = loops.Where(l => l.NextDue > now).Select(l => l.NextDue).DefaultIfEmpty().Min();
                return (next, round, after);
            }

            busy = string.Join(", ", loops.Where(l => l.Handled > 0).Select(l => $"{l.Name} handled {l.Handled}")) + (before == after ? "" : "; events were published");
        }

        throw new TimeoutException($"the platform did not come to rest at {now:O} after {MaxRoundsPerStop} rounds (the last one: {busy})");
    }

    /// <summary>Waits until every loop has reported <paramref name="round"/> (or a later one).</summary>
    private async Task<IReadOnlyList<LoopReport>> LoopsCaughtUpAsync(long round, SemaphoreSlim reported, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + _timeout;
        while (true)
        {
            var loops = (await Db.HashGetAllAsync(ClockKeys.Loops)).Select(LoopReport.Parse).ToList();
            var behind = loops.Where(l => l.Round < round).ToList();
            if (behind.Count == 0)
            {
                return loops;
            }

            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                throw new TimeoutException($"loops did not catch up with round {round} of the simulated clock: " +
                    string.Join(", ", behind.Select(l => $"{l.Name} at round {l.Round}")) + " (is that service running?)");
            }

            // A report since the last read releases the semaphore; the wait is bounded by the deadline.
            await reported.WaitAsync(left, cancellationToken);
        }
    }

    /// <summary>Waits until every event is handled and nothing waits in an outbox; returns the topics' heads then.</summary>
    private async Task<string> BusAtRestAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + _timeout;
        while (true)
        {
            var heads = await BusScript.EvaluateReadOnlyAsync(Db, _busKeys);
            if (!heads.IsNull)
            {
                return (string)heads!;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"the event bus did not come to rest at {now:O} of the simulated clock: {await DescribeBusAsync()}");
            }

            await Task.Delay(BusPoll, cancellationToken);
        }
    }

    private async Task<string> DescribeBusAsync()
    {
        var parts = new List<string>();
        foreach (var topic in _topics)
        {
            parts.Add($"{topic}:outbox {await Db.StreamLengthAsync(topic + ":outbox")}");
            if (await Db.KeyExistsAsync(topic))
            {
                string last = (string)(await Db.StreamInfoAsync(topic)).LastGeneratedId!;
                parts.AddRange((await Db.StreamGroupInfoAsync(topic)).Select(g =>
                    $"{topic}@{last} {g.Name}: pending {g.PendingMessageCount}, delivered {g.LastDeliveredId}"));
            }
        }

        return string.Join("; ", parts);
    }

    /// <summary>One loop's entry in <see cref="ClockKeys.Loops"/>.</summary>
    private sealed record LoopReport(string Name, long Round, int Handled, DateTimeOffset? NextDue)
    {
        public static LoopReport Parse(HashEntry entry)
        {
            string[] parts = ((string?)entry.Value ?? "").Split(' ');
            long round = parts.Length > 0 && long.TryParse(parts[0], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long r) ? r : -1;
            int handled = parts.Length > 1 && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int h) ? h : 0;
            DateTimeOffset? next = parts.Length > 2 && long.TryParse(parts[2], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long ms) && ms >= 0
                ? DateTimeOffset.FromUnixTimeMilliseconds(ms)
                : null;
            return new LoopReport((string)entry.Name!, round, handled, next);
        }
    }
}
