using Marketplace.Contracts.Orders.V1;
using Marketplace.EventBus;
using Marketplace.Reviews.Domain;
using Marketplace.Reviews.Store;

namespace Marketplace.Reviews.Events;

/// <summary>
/// Opens an order's review window when the facts an event brings allow it (SPEC 4), in the event's
/// unit of work: the order's completion or cancellation, Messaging's "seller unresponsive" mark
/// (a qualifying problem of a cancelled order), a completion of the buyer's that makes their
/// cancelled orders eligible. The window is read in the same unit, so it opens once however often
/// and in whatever order those events come.
/// </summary>
public sealed class WindowOpenings(ReviewPolicy policy, TimeProvider clock)
{
    /// <summary>
    /// Opens <paramref name="order"/>'s window if its facts allow and it has none yet; true when
    /// the order has a window now. <paramref name="alsoCompleted"/> is a completion of the buyer's
    /// staged in this unit (not readable yet).
    /// </summary>
    public async Task<bool> TryOpenAsync(UnitOfWork work, ReviewableOrder order, ReviewRecord? record, KeyValuePair<string, DateTimeOffset>? alsoCompleted = null)
    {
        if (await ReviewStore.ReadWindowAsync(work, order.OrderId) is not null)
        {
            return true;
        }

        // Only a cancelled order's eligibility depends on the buyer's earlier orders.
        var standing = order.State == OrderState.Cancelled
            ? await ReviewStore.ReadStandingAsync(work, order, alsoCompleted)
            : new BuyerStanding(0);
        if (ReviewWindow.Open(order, standing, record, null, clock.GetUtcNow(), policy) is not { } opened)
        {
            return false;
        }

        ReviewStore.WriteWindow(work, opened);
        return true;
    }

    /// <summary>
    /// A cancelled order whose window did not open: remembered with its buyer while its 5 days
    /// last, since a completion of theirs that reaches Reviews late can still make it eligible.
    /// </summary>
    public void Remember(UnitOfWork work, ReviewableOrder cancelled)
    {
        if (cancelled.CancelledAt is { } cancelledAt && clock.GetUtcNow() <= cancelledAt + policy.CancelledOrderReviewWindow)
        {
            work.HashSet(ReviewKeys.BuyerCancelledOrders(cancelled.BuyerId), cancelled.OrderId, cancelledAt.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    /// <summary>
    /// The buyer completed <paramref name="completed"/>: each of their remembered cancelled orders
    /// may now be eligible. Those that open, and those whose 5 days are over, are forgotten.
    /// </summary>
    public async Task ReconsiderCancelledAsync(UnitOfWork work, string buyerId, KeyValuePair<string, DateTimeOffset> completed)
    {
        var key = ReviewKeys.BuyerCancelledOrders(buyerId);
        foreach (var orderId in (await work.ReadHashAsync(key)).Keys)
        {
            var (order, record) = await ReviewStore.ReadAsync(work, orderId);
            bool done = order is not { State: OrderState.Cancelled, CancelledAt: { } cancelledAt }
                || await TryOpenAsync(work, order, record, completed)
                || clock.GetUtcNow() > cancelledAt + policy.CancelledOrderReviewWindow;
            if (done)
            {
                work.HashDelete(key, orderId);
            }
        }
    }

    /// <summary>The order's window opened: its buyer need not remember it any more.</summary>
    public static void Forget(UnitOfWork work, ReviewableOrder order) =>
        work.HashDelete(ReviewKeys.BuyerCancelledOrders(order.BuyerId), order.OrderId);
}
