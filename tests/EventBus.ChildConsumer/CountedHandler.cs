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

        if (_delay > TimeSpan.Zero)
        {
            await Task.Delay(_delay, cancellationToken);
        }

        work.HashIncrement(EffectsKey, envelope.Id, 1);
        work.HashIncrement(CounterKey(payload.Key), "total", payload.Amount);
    }
}
