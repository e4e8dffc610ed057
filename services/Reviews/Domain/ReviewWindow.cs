using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Marketplace.Contracts.Orders.V1;
using Marketplace.Contracts.Reviews.V1;

namespace Marketplace.Reviews.Domain;

/// <summary>
/// The buyer's review window of one order (SPEC 4), as Reviews announces it: the one source of an
/// order's window, which other services follow (Messaging allows review requests only while it is
/// open). It opens when the order completes (completion + the category's window) or when a
/// cancelled order is eligible for a review (cancellation + 5 days), and closes once: when the
/// buyer reviews (<c>REVIEWED</c>), when support revokes a cancelled order's eligibility
/// (<c>REVOKED</c>) or when its time runs out (<c>ENDED</c>). An order has at most one window, so
/// each of its events is published once whatever the order events' repetitions and delays.
/// </summary>
public sealed record ReviewWindow
{
    public required string OrderId { get; init; }

    public required string GigId { get; init; }

    public required string SellerId { get; init; }

    public required string BuyerId { get; init; }

    public required ReviewedOrderOutcome Outcome { get; init; }

    /// <summary>When the window opened: the completion or the cancellation.</summary>
    public required DateTimeOffset OpensAt { get; init; }

    public required DateTimeOffset EndsAt { get; init; }

    /// <summary>Why the window closed; unspecified while it is open.</summary>
    public ReviewWindowCloseReason ClosedBy { get; init; }

    public DateTimeOffset? ClosedAt { get; init; }

    public bool IsOpen => ClosedBy == ReviewWindowCloseReason.Unspecified;

    /// <summary>
    /// The window the order's facts open at <paramref name="now"/>, or null: none when the order
    /// already has one (<paramref name="current"/>), was reviewed, is neither completed nor an
    /// eligible cancelled order, or its window would already have ended.
    /// </summary>
    public static WindowChange? Open(
        ReviewableOrder order, BuyerStanding standing, ReviewRecord? record, ReviewWindow? current, DateTimeOffset now, ReviewPolicy policy)
    {
        if (current is not null || record?.BuyerReview is not null)
        {
            return null;
        }

        ReviewWindow? window = null;
        if (order.State == OrderState.Completed && order.CompletedAt is { } completedAt)
        {
            window = For(order, ReviewedOrderOutcome.Completed, completedAt, completedAt + policy.WindowFor(order.Category));
        }
        else if (order.State == OrderState.Cancelled && order.CancelledAt is { } cancelledAt
            && CancelledOrderEligibility.Evaluate(order, standing, record, now, policy) is { Eligible: true, WindowEndsAt: { } endsAt })
        {
            window = For(order, ReviewedOrderOutcome.Cancelled, cancelledAt, endsAt);
        }

        return window is null || now > window.EndsAt ? null : new WindowChange(window, window.Opened());
    }

    /// <summary>
    /// The window's part in a review command, from the record before and after it: the buyer's
    /// review closes the window (<c>REVIEWED</c>), support's revocation closes it (<c>REVOKED</c>).
    /// A review of an order whose window was never announced (facts that made a cancelled order
    /// eligible reached Reviews late) opens and closes it in the same commit, so every reviewed
    /// order's window is known to the services that follow it.
    /// </summary>
    public static IReadOnlyList<WindowChange> Follow(
        ReviewableOrder order, ReviewWindow? window, ReviewRecord? before, ReviewRecord after, DateTimeOffset now)
    {
        bool reviewed = before?.BuyerReview is null && after.BuyerReview is not null;
        bool revoked = before?.EligibilityRevocation is null && after.EligibilityRevocation is not null;
        if (!reviewed && !revoked)
        {
            return [];
        }

        var changes = new List<WindowChange>();
        if (window is null)
        {
            if (!reviewed || after.WindowEndsAt is not { } endsAt)
            {
                return []; // a revocation where no window was ever open: nothing to close
            }

            var opensAt = (after.Outcome == ReviewedOrderOutcome.Cancelled ? order.CancelledAt : order.CompletedAt) ?? now;
            window = For(order, after.Outcome, opensAt, endsAt);
            changes.Add(new WindowChange(window, window.Opened()));
        }

        if (window.Close(reviewed ? ReviewWindowCloseReason.Reviewed : ReviewWindowCloseReason.Revoked, now) is { } closed)
        {
            changes.Add(closed);
        }

        return changes;
    }

    /// <summary>
    /// Closes an open window whose time ran out, as of its end; null when it is closed or not due.
    /// A review is accepted up to and including the end, so the window ends just after it.
    /// </summary>
    public WindowChange? OnTimer(DateTimeOffset now) =>
        IsOpen && now > EndsAt ? Close(ReviewWindowCloseReason.Ended, EndsAt) : null;

    /// <summary>Closes the window for <paramref name="reason"/> at <paramref name="at"/>; null when it is closed already.</summary>
    public WindowChange? Close(ReviewWindowCloseReason reason, DateTimeOffset at)
    {
        if (!IsOpen)
        {
            return null;
        }

        var closed = this with { ClosedBy = reason, ClosedAt = at };
        return new WindowChange(closed, new ReviewWindowClosed
        {
            OrderId = OrderId,
            SellerId = SellerId,
            Reason = reason,
            ClosedAt = Timestamp.FromDateTimeOffset(at),
            Version = 2,
        });
    }

    private static ReviewWindow For(ReviewableOrder order, ReviewedOrderOutcome outcome, DateTimeOffset opensAt, DateTimeOffset endsAt) => new()
    {
        OrderId = order.OrderId,
        GigId = order.GigId,
        SellerId = order.SellerId,
        BuyerId = order.BuyerId,
        Outcome = outcome,
        OpensAt = opensAt,
        EndsAt = endsAt,
    };

    private ReviewWindowOpened Opened() => new()
    {
        OrderId = OrderId,
        GigId = GigId,
        SellerId = SellerId,
        BuyerId = BuyerId,
        OrderOutcome = Outcome,
        OpensAt = Timestamp.FromDateTimeOffset(OpensAt),
        EndsAt = Timestamp.FromDateTimeOffset(EndsAt),
        Version = 1,
    };
}

/// <summary>A window's new state and the event that announces it, written together.</summary>
public sealed record WindowChange(ReviewWindow Window, IMessage Event);
