using Marketplace.Contracts.Orders.V1;

namespace Marketplace.Messaging.Domain;

/// <summary>
/// SPEC 3: which orders a seller message can wait on the buyer for. Only a running order before
/// its delivery needs something of the buyer (requirements, an answer about the work): placed,
/// requirements submitted or in progress, never delivered. Once it is delivered, completed or
/// cancelled, a seller message (a thanks, a review request) waits for nothing; nor does one in a
/// revision after the first delivery: the time a seller waits on the buyer is kept out of the
/// order's lateness (SPEC 5.1), which the first delivery has fixed (SPEC 2), so a wait begun after
/// it would erase lateness already incurred.
/// </summary>
public static class OrderWork
{
    public static bool IsRunning(OrderState state, DateTimeOffset? firstDeliveredAt) => firstDeliveredAt is null && state is
        OrderState.Placed or OrderState.RequirementsSubmitted or OrderState.InProgress or OrderState.RevisionRequested;

    /// <summary>
    /// The times at which the order left its work, as far as the snapshot tells: its first and
    /// latest delivery, completion, cancellation. A wait on the buyer ends at the first of them at
    /// or after its start (<see cref="Conversation.OrderLeftWork"/>).
    /// </summary>
    public static IReadOnlyList<DateTimeOffset> Ends(Order order) =>
        new[] { order.FirstDeliveredAt, order.LastDeliveredAt, order.CompletedAt, order.Cancellation?.CancelledAt }
            .Where(t => t is not null)
            .Select(t => t!.ToDateTimeOffset())
            .ToList();
}
