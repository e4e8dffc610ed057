using Google.Protobuf;
using Google.Protobuf.Reflection;
using Marketplace.EventBus;
using Marketplace.Platform;
using Marketplace.Scoring.Store;

namespace Marketplace.Scoring.Events;

/// <summary>
/// Base of Scoring's handlers: every event Scoring follows carries a full snapshot of its entity
/// (an order, a review, a conversation) in one field, so one handler per snapshot kind serves all
/// the event types of that topic. The handler keeps the snapshot only when it is newer than what
/// it has, merges it into the order's record and lets the Gig projection re-score, all in the
/// event's unit of work (idempotent on the event id, tolerant of any arrival order).
/// </summary>
public abstract class SnapshotHandler<TPayload, TSnapshot>(string field) : Marketplace.EventBus.EventHandler<TPayload>
    where TPayload : class, IMessage<TPayload>, new()
    where TSnapshot : class, IMessage
{
    private static readonly MessageDescriptor Descriptor = new TPayload().Descriptor;

    private readonly FieldDescriptor _field = Descriptor.FindFieldByName(field)
        ?? throw new InvalidOperationException($"{Descriptor.FullName} has no '{field}' field.");

    public override string EventType { get; } = PlatformEvents.TypeOf(Descriptor);

    protected override Task HandleAsync(CloudEvent envelope, TPayload payload, UnitOfWork work, CancellationToken cancellationToken) =>
        _field.Accessor.GetValue(payload) is TSnapshot snapshot
            ? HandleAsync(envelope, snapshot, work)
            : throw new MalformedEventException($"{EventType} event {envelope.Id} has no {field} snapshot");

    protected abstract Task HandleAsync(CloudEvent envelope, TSnapshot snapshot, UnitOfWork work);

    /// <summary>
    /// Reads the order's record, applies <paramref name="change"/> (null: the snapshot is not newer,
    /// nothing changes), writes the record and stages the Gig's change. Returns both records, or null.
    /// </summary>
    protected static async Task<(OrderRecord Before, OrderRecord After)?> ChangeOrderAsync(
        UnitOfWork work, GigProjection projection, string orderId, Func<OrderRecord, OrderRecord?> change)
    {
        var before = await GigProjection.ReadOrderAsync(work, orderId);
        if (change(before) is not { } after)
        {
            return null;
        }

        GigProjection.StageOrder(work, orderId, after);
        await projection.StageAsync(work, orderId, before, after);
        return (before, after);
    }
}
