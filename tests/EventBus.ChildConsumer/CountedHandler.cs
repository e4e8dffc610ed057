using Marketplace.EventBus.ChildConsumer.Contracts;
using Microsoft.Extensions.Configuration;

namespace Marketplace.EventBus.ChildConsumer;

/// <summary>
/// Adds an event's amount to a counter and records that this event id had its effect (so tests
/// can prove "exactly once in effect" per event). Configuration <c>Child:DelayMs</c> slows it
/// down so a test can stop the consumer mid-batch; amount &lt; 0 is a poison payload;
/// key "flaky" always fails with a transient error.
/// </summary>
public sealed class CountedHandler(IConfiguration configuration) : EventHandler<Counted>
{
    private readonly TimeSpan _delay = TimeSpan.FromMilliseconds(configuration.GetValue("Child:DelayMs", 0));

    public override string EventType => TestCatalogue.Counted;

    public static string CounterKey(string key) => "test:counter:" + key;

    public const string EffectsKey = "test:effects";

    protected override async Task HandleAsync(CloudEvent envelope, Counted payload, UnitOfWork work, CancellationToken cancellationToken)
    {
        if (payload.Amount < 0)
        {
            throw new MalformedEventException($"amount must be >= 0 (got {payload.Amount}).");
        }

        if (payload.Key == "flaky")
        {
            throw new InvalidOperationException("the flaky counter is unavailable");
        }

        InFlight.Enter(payload.Key);
        try
        {
            if (_delay > TimeSpan.Zero)
            {
                await Task.Delay(_delay, cancellationToken);
            }
        }
        finally
        {
            InFlight.Exit(payload.Key);
        }

        work.HashIncrement(EffectsKey, envelope.Id, 1);
        work.HashIncrement(CounterKey(payload.Key), "total", payload.Amount);
    }
}

/// <summary>
/// What this process's <see cref="CountedHandler"/> had in flight, by counter key (the events'
/// subject): how many events of one key at most at once, and which keys were in flight together.
/// </summary>
public static class InFlight
{
    private static readonly Dictionary<string, int> Now = new(StringComparer.Ordinal);
    private static readonly Dictionary<string, int> Most = new(StringComparer.Ordinal);
    private static readonly HashSet<(string, string)> Together = [];

    public static void Enter(string key)
    {
        lock (Now)
        {
            int count = Now.GetValueOrDefault(key) + 1;
            Now[key] = count;
            Most[key] = Math.Max(count, Most.GetValueOrDefault(key));
            foreach (var (other, n) in Now)
            {
                if (n > 0 && other != key)
                {
                    Together.Add((key, other));
                    Together.Add((other, key));
                }
            }
        }
    }

    public static void Exit(string key)
    {
        lock (Now)
        {
            Now[key]--;
        }
    }

    /// <summary>The most events of <paramref name="key"/> that were in the handler at once.</summary>
    public static int MostAtOnce(string key)
    {
        lock (Now)
        {
            return Most.GetValueOrDefault(key);
        }
    }

    /// <summary>Whether an event of <paramref name="a"/> and one of <paramref name="b"/> were in the handler at the same time.</summary>
    public static bool RanTogether(string a, string b)
    {
        lock (Now)
        {
            return Together.Contains((a, b));
        }
    }
}
