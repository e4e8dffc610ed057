using System.Globalization;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Marketplace.Hosting.Time;

/// <summary>The Redis keys and channels of the simulated clock (docs/clock.md).</summary>
public static class ClockKeys
{
    /// <summary>Hash: <c>now</c> (Unix ms) and <c>round</c> (how many times a driver has published it).</summary>
    public const string Clock = "platform:clock";

    /// <summary>Channel: <c>"&lt;round&gt; &lt;now ms&gt;"</c> each time a driver publishes the clock.</summary>
    public const string Advanced = "platform:clock";

    /// <summary>Hash: one field per running loop (<c>&lt;app&gt;/&lt;loop&gt;</c>), value <c>"&lt;round&gt; &lt;handled&gt; &lt;next due ms or -1&gt;"</c>.</summary>
    public const string Loops = "platform:clock:loops";

    /// <summary>Channel: the field of a loop that has just reported.</summary>
    public const string LoopReported = "platform:clock:loops";
}

/// <summary>
/// The platform's simulated clock (<c>Platform:Clock=Simulated</c>, docs/clock.md): one time,
/// kept in Redis (<see cref="ClockKeys.Clock"/>), that every service reads and that only a driver
/// (<see cref="SimulatedClockDriver"/>) moves, forward only. Reading is free: the time is held in
/// memory, replaced when the driver publishes a new one (<see cref="ClockKeys.Advanced"/>) and
/// re-read every second in case a message was lost while the connection was down. Each publish
/// carries a round number; a background loop runs a pass whenever the round changes and reports
/// the round it has caught up with (<see cref="ReportAsync"/>), which is how the driver knows that
/// every loop of every service has done what was due. Timers (<see cref="TimeProvider.CreateTimer"/>)
/// stay on the machine's clock: pauses, retries and timeouts are not simulated, only the time
/// the domain reads.
/// </summary>
public sealed partial class SimulatedClock : TimeProvider, IHostedService, IDisposable
{
    private const string InitializeScript = """
        if redis.call('HEXISTS', KEYS[1], 'now') == 0 then
          redis.call('HSET', KEYS[1], 'now', ARGV[1], 'round', 0)
        end
        return redis.call('HMGET', KEYS[1], 'now', 'round')
        """;

    private static readonly TimeSpan RereadEvery = TimeSpan.FromSeconds(1);

    private readonly RedisConnection _redis;
    private readonly ILogger<SimulatedClock> _logger;
    private readonly string _appId;
    private Reading? _reading;
    private TaskCompletionSource _advanced = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ITimer? _reread;

    public SimulatedClock(RedisConnection redis, IOptions<PlatformOptions> options, ILogger<SimulatedClock> logger)
    {
        _redis = redis;
        _logger = logger;
        _appId = ServiceRunner.ValidOrNull(options)?.AppId ?? "service";
    }

    /// <summary>The time and the round it was published in, as one value.</summary>
    public sealed record Reading(DateTimeOffset Now, long Round);

    /// <summary>What this service reads now (read from Redis on first use if the service has not started yet).</summary>
    public Reading Current => Volatile.Read(ref _reading) ?? LoadAsync().GetAwaiter().GetResult();

    public override DateTimeOffset GetUtcNow() => Current.Now;

    /// <summary>Completes when this service has read a round after <paramref name="round"/>.</summary>
    public async Task WhenAdvancedAsync(long round, CancellationToken cancellationToken)
    {
        while (true)
        {
            var advanced = Volatile.Read(ref _advanced);
            if (Current.Round > round)
            {
                return;
            }

            await advanced.Task.WaitAsync(cancellationToken);
        }
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var connection = await _redis.ConnectAsync().WaitAsync(cancellationToken);
        var channel = await SubscribeAsync(connection, cancellationToken);
        channel.OnMessage(message =>
        {
            if (Parse((string?)message.Message) is { } reading)
            {
                Update(reading);
            }
        });
        await LoadAsync();
        _reread = TimeProvider.System.CreateTimer(_ => _ = RereadAsync(), null, RereadEvery, RereadEvery);
        LogStarted(_logger, _appId, Current.Now.ToString("O", CultureInfo.InvariantCulture), Current.Round);
    }

    /// <summary>
    /// Subscribes to the clock's channel. The connection fails fast while it is not (yet) up (the
    /// pub/sub connection may come a moment after the first one, or Redis may be away at start), so
    /// the service tries again until it is: it cannot know the time without Redis.
    /// </summary>
    private static async Task<ChannelMessageQueue> SubscribeAsync(ConnectionMultiplexer connection, CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                return await connection.GetSubscriber().SubscribeAsync(RedisChannel.Literal(ClockKeys.Advanced));
            }
            catch (RedisConnectionException) when (!cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken);
            }
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_reread is not null)
        {
            await _reread.DisposeAsync();
        }
    }

    public void Dispose() => _reread?.Dispose();

    /// <summary>The field a loop of this service reports under in <see cref="ClockKeys.Loops"/>.</summary>
    public string LoopField(string loop) => $"{_appId}/{loop}";

    /// <summary>Records that <paramref name="loop"/> has handled everything due at <paramref name="round"/>'s time (see <see cref="ClockKeys.Loops"/>), and tells the driver.</summary>
    public async Task ReportAsync(string loop, long round, int handled, DateTimeOffset? nextDue)
    {
        var db = _redis.Database;
        string field = LoopField(loop);
        string value = string.Create(CultureInfo.InvariantCulture, $"{round} {handled} {nextDue?.ToUnixTimeMilliseconds() ?? -1}");
        var set = db.HashSetAsync(ClockKeys.Loops, field, value);
        var publish = db.PublishAsync(RedisChannel.Literal(ClockKeys.LoopReported), field);
        await Task.WhenAll(set, publish);
    }

    /// <summary>Takes a stopping loop out of the ones the driver waits for.</summary>
    public Task LeaveAsync(string loop) => _redis.Database.HashDeleteAsync(ClockKeys.Loops, LoopField(loop));

    private async Task<Reading> LoadAsync()
    {
        var connection = await _redis.ConnectAsync();
        long wallMs = TimeProvider.System.GetUtcNow().ToUnixTimeMilliseconds();
        var fields = (RedisValue[])(await connection.GetDatabase().ScriptEvaluateAsync(
            InitializeScript, [ClockKeys.Clock], [wallMs - (wallMs % 1000)]))!;
        var reading = new Reading(DateTimeOffset.FromUnixTimeMilliseconds((long)fields[0]), (long)fields[1]);
        Update(reading);
        return Volatile.Read(ref _reading)!;
    }

    private async Task RereadAsync()
    {
        try
        {
            await LoadAsync();
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            // Redis away: the next re-read or message brings the time.
        }
    }

    private void Update(Reading reading)
    {
        while (true)
        {
            var current = Volatile.Read(ref _reading);
            if (current is not null && current.Round >= reading.Round)
            {
                return;
            }

            if (Interlocked.CompareExchange(ref _reading, reading, current) == current)
            {
                break;
            }
        }

        Interlocked.Exchange(ref _advanced, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }

    /// <summary>Parses a message of <see cref="ClockKeys.Advanced"/>: <c>"&lt;round&gt; &lt;now ms&gt;"</c>.</summary>
    internal static Reading? Parse(string? message) =>
        message?.Split(' ') is [var round, var ms]
        && long.TryParse(round, NumberStyles.None, CultureInfo.InvariantCulture, out long r)
        && long.TryParse(ms, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long m)
            ? new Reading(DateTimeOffset.FromUnixTimeMilliseconds(m), r)
            : null;

    [LoggerMessage(Level = LogLevel.Warning, Message = "{AppId} runs on the simulated clock (Platform:Clock=Simulated): now {Now}, round {Round}")]
    private static partial void LogStarted(ILogger logger, string appId, string now, long round);
}

/// <summary>Starts the simulated clock (reads it from Redis, subscribes to its changes) when it is the service's clock; does nothing otherwise.</summary>
public sealed class SimulatedClockStarter(TimeProvider clock) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) =>
        clock is SimulatedClock simulated ? simulated.StartAsync(cancellationToken) : Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) =>
        clock is SimulatedClock simulated ? simulated.StopAsync(cancellationToken) : Task.CompletedTask;
}
