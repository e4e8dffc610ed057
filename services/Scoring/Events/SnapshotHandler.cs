using Google.Protobuf;
using Marketplace.EventBus;
using Marketplace.Scoring.Store;

namespace Marketplace.Scoring.Events;

/// <summary>
/// Base of Scoring's handlers: every event Scoring follows carries a full snapshot of its entity
/// (an order, a review, a conversation) in one field, so one handler per snapshot kind serves all
/// the event types of that topic (chosen from the catalogue: a new event type needs no edit here). The handler keeps the snapshot only when it is newer than what
/// it has, merges it into the order's record and lets the Gig projection re-score, all in the
/// event's unit of work (idempotent on the event id, tolerant of any arrival order).
/// </summary>
public abstract class SnapshotHandler<TSnapshot>(string topic, string field) : SnapshotEventHandler<TSnapshot>(topic, field)
    where TSnapshot : class, IMessage<TSnapshot>, new()
{

    /// <summary>
    /// Reads the order's record, applies <paramref name="change"/> (null: the snapshot is not newer,
    /// nothing changes), writes the record and stages the Gig's change. Returns both records and
    /// whether the Gig now scores differently (<see cref="GigProjection.StageAsync"/>), or null.
    /// </summary>
    protected static async Task<(OrderRecord Before, OrderRecord After, bool Rescored)?> ChangeOrderAsync(
        UnitOfWork work, GigProjection projection, string orderId, Func<OrderRecord, OrderRecord?> change)
    {
        var before = await GigProjection.ReadOrderAsync(work, orderId);
        if (change(before) is not { } after)
        {
            return null;
        }

        GigProjection.StageOrder(work, orderId, after);
        bool rescored = await projection.StageAsync(work, orderId, before, after);
        return (before, after, rescored);
    }
}
