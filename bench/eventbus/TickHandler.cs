using Marketplace.EventBus.Bench.Contracts;

namespace Marketplace.EventBus.Bench;

/// <summary>The benchmark's catalogue: one topic, one event type.</summary>
public static class BenchCatalogue
{
    public const string Topic = "bench-ticks";
    public const string Tick = "bench.tick.v1";

    public static EventCatalogue Create() => new EventCatalogue().Add(Topic, Tick, Contracts.Tick.Parser);
}

/// <summary>A realistic small effect: bump the gig's counter and the total, atomically with the event's marker.</summary>
public sealed class TickHandler : EventHandler<Tick>
{
    public const string TotalsKey = "bench:totals";

    public override string EventType => BenchCatalogue.Tick;

    /// <summary>Publish-to-handler delays seen so far (the latency mode reads them).</summary>
    public static readonly System.Collections.Concurrent.ConcurrentQueue<TimeSpan> Delays = new();

    protected override Task HandleAsync(CloudEvent envelope, Tick payload, UnitOfWork work, CancellationToken cancellationToken)
    {
        Delays.Enqueue(DateTimeOffset.UtcNow - envelope.Time);
        work.HashIncrement("bench:gig:{" + payload.GigId + "}", "ticks", 1);
        work.HashIncrement(TotalsKey, "handled", 1);
        return Task.CompletedTask;
    }
}
