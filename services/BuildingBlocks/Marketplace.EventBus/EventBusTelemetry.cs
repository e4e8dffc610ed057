using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Marketplace.EventBus;

/// <summary>
/// The bus's traces and metrics, both named <c>Marketplace.EventBus</c> (add them with
/// <c>tracing.AddSource(EventBusTelemetry.Name)</c> and <c>metrics.AddMeter(EventBusTelemetry.Name)</c>).
/// Each handled delivery runs in a consumer activity whose parent is the event's
/// <c>traceparent</c>, so events its handler publishes carry that activity's context and one
/// trace runs from the first call through every event that follows.
/// </summary>
public static class EventBusTelemetry
{
    public const string Name = "Marketplace.EventBus";

    public static readonly ActivitySource Source = new(Name);

    private static readonly Meter Meter = new(Name);

    /// <summary>Deliveries whose effect was committed (or had been already): tags topic, type.</summary>
    public static readonly Counter<long> Handled = Meter.CreateCounter<long>("marketplace.eventbus.events.handled", "{event}", "Deliveries handled (effect committed or already done)");

    /// <summary>Deliveries that failed and will be delivered again: tags topic, type.</summary>
    public static readonly Counter<long> Retried = Meter.CreateCounter<long>("marketplace.eventbus.events.retried", "{event}", "Deliveries that failed and will be retried");

    /// <summary>Deliveries sent to the dead-letter topic (malformed, or out of attempts): tags topic, type.</summary>
    public static readonly Counter<long> DeadLettered = Meter.CreateCounter<long>("marketplace.eventbus.events.dead_lettered", "{event}", "Deliveries moved to the dead-letter topic");

    /// <summary>Outbox entries the sidecar refused for good, parked in <c>&lt;appid&gt;:outbox.deadletter</c>: tag topic.</summary>
    public static readonly Counter<long> PublishParked = Meter.CreateCounter<long>("marketplace.eventbus.publish.parked", "{event}", "Outbox entries refused by the sidecar and parked");

    private static readonly ConcurrentDictionary<(string Topic, string Group), (long Lag, long Pending)> Backlog = new();

    static EventBusTelemetry()
    {
        Meter.CreateObservableGauge("marketplace.eventbus.consumer.lag", () => Backlog.Select(entry =>
            new Measurement<long>(entry.Value.Lag, new("topic", entry.Key.Topic), new("group", entry.Key.Group))), "{entry}",
            "Entries of a topic stream not yet delivered to the consumer group (XINFO GROUPS lag; Redis transport)");
        Meter.CreateObservableGauge("marketplace.eventbus.consumer.pending", () => Backlog.Select(entry =>
            new Measurement<long>(entry.Value.Pending, new("topic", entry.Key.Topic), new("group", entry.Key.Group))), "{entry}",
            "Entries delivered to the consumer group and not acknowledged (XINFO GROUPS pending; Redis transport)");
    }

    /// <summary>Records what the last XINFO GROUPS said about a group's backlog on a topic (read by the gauges).</summary>
    public static void RecordBacklog(string topic, string group, long lag, long pending) => Backlog[(topic, group)] = (lag, pending);

    internal static TagList Tags(string topic, string? type) => new() { { "topic", topic }, { "type", type ?? "unknown" } };

    /// <summary>Starts the consumer activity of one delivery, a child of the event's trace context when it has a valid one.</summary>
    internal static Activity? StartProcess(string topic, CloudEvent envelope, string system)
    {
        ActivityContext.TryParse(envelope.TraceParent, envelope.TraceState, isRemote: true, out var parent);
        var activity = Source.StartActivity($"{topic} process", ActivityKind.Consumer, parent);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("messaging.system", system);
            activity.SetTag("messaging.operation.type", "process");
            activity.SetTag("messaging.destination.name", topic);
            activity.SetTag("messaging.message.id", envelope.Id);
            activity.SetTag("cloudevents.event_id", envelope.Id);
            activity.SetTag("cloudevents.event_source", envelope.Source);
            activity.SetTag("cloudevents.event_type", envelope.Type);
        }

        return activity;
    }
}
