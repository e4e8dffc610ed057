using Marketplace.Contracts.Common.V1;
using Marketplace.Contracts.Orders.V1;

namespace Marketplace.Orders.Domain;

/// <summary>
/// SPEC 2: a cancellation reason that exempts the seller is a claim checked against the order's
/// facts, never taken on trust, whoever makes it and whichever way (a direct cancellation, a
/// Resolution Center request when it is opened and again when it is accepted). The facts: Messaging's
/// buyer-unresponsive marks on the order (learnt from its events), whether the requirements were ever
/// submitted, who claims, whether work started, and when the order was placed.
/// </summary>
public sealed partial record Order
{
    /// <summary>The reasons a buyer gives to withdraw an order that never got going; any other needs the order to be late.</summary>
    private static readonly CancellationReason[] BuyerWithdrawalReasons =
        [CancellationReason.PlacedByMistake, CancellationReason.DuplicateOrder, CancellationReason.MissingRequirements];

    /// <summary>
    /// Refuses (FAILED_PRECONDITION, naming the rule) an exempting claim the facts do not support.
    /// <paramref name="claimant"/> is the party making it; <paramref name="claimedAt"/> when it was made
    /// (for a request: when it was opened), which the placed-by-mistake window is measured to.
    /// </summary>
    public Rejection? CheckClaim(
        PartyRole claimant, CancellationReason reason, bool buyerUnresponsive, DateTimeOffset claimedAt, OrderPolicy policy)
    {
        if (buyerUnresponsive || reason == CancellationReason.BuyerUnresponsive)
        {
            var claim = reason == CancellationReason.BuyerUnresponsive ? $"reason {Names.Proto(reason)}" : "buyer_unresponsive";
            if (BuyerUnresponsiveMarks == 0)
            {
                return Rejection.FailedPrecondition(
                    $"{claim} says the buyer stopped answering: it needs a buyer-unresponsive mark from Messaging on order {OrderId}, "
                    + "and the order has none (SPEC 2: an exempting reason is checked against the facts)");
            }

            // SPEC 3: a wait on the buyer is about work not yet delivered. Once the seller delivered, a
            // buyer who stops answering is met by the automatic completion; an exemption claimed then
            // (with a mark from an early wait the seller opened) would take a poor delivery out of every area.
            if (FirstDeliveredAt is { } delivered)
            {
                return Rejection.FailedPrecondition(
                    $"{claim} holds only before the first delivery; the seller delivered order {OrderId} at {delivered:O} "
                    + "(SPEC 3: only a wait for something the running order needs, before its delivery, marks the buyer)");
            }

            // The buyer answered after the mark: the wait it marked is over (and kept out of lateness),
            // so the buyer is not unresponsive now; an order late since then is the seller's.
            if (!BuyerStillUnresponsive)
            {
                return Rejection.FailedPrecondition(
                    $"{claim} holds only while the buyer is still unresponsive; the buyer of order {OrderId} answered after "
                    + "Messaging's mark (SPEC 2: an exempting reason is checked against the facts)");
            }
        }

        switch (reason)
        {
            case CancellationReason.MissingRequirements when RequirementsSubmittedAt is { } submitted:
                return Rejection.FailedPrecondition(
                    $"reason {Names.Proto(reason)} holds only while the requirements were never submitted; "
                    + $"the buyer of order {OrderId} submitted them at {submitted:O}");
            case CancellationReason.PlacedByMistake or CancellationReason.DuplicateOrder:
                if (claimant != PartyRole.Buyer)
                {
                    return Rejection.FailedPrecondition(
                        $"only the buyer may claim {Names.Proto(reason)} (SPEC 2); the {Names.Of(claimant)} of order {OrderId} cannot");
                }

                if (StartedAt is { } started)
                {
                    return Rejection.FailedPrecondition(
                        $"reason {Names.Proto(reason)} holds only before work started; the seller started order {OrderId} at {started:O}");
                }

                if (claimedAt - CreatedAt > policy.PlacedByMistakeWithin)
                {
                    return Rejection.FailedPrecondition(
                        $"reason {Names.Proto(reason)} holds only within {policy.PlacedByMistakeWithin:c} of placing "
                        + $"({OrderPolicy.Key(nameof(OrderPolicy.PlacedByMistakeWithin))}); order {OrderId} was placed at {CreatedAt:O}, "
                        + $"{claimedAt - CreatedAt:c} before the claim");
                }

                break;
        }

        return null;
    }

    /// <summary>
    /// SPEC 2: a buyer cancels a running order alone only once it is late (and then it counts against
    /// the seller), or withdraws one that never got going with a reason the facts support (checked by
    /// <see cref="CheckClaim"/>). A due time that passed while the buyer withheld the requirements does
    /// not make the order late for this. Otherwise the buyer goes to the Resolution Center or support.
    /// </summary>
    private Rejection? CheckBuyerAlone(CancellationReason reason, DateTimeOffset now)
    {
        if (BuyerWithdrawalReasons.Contains(reason))
        {
            return null;
        }

        if (!IsLateAt(now))
        {
            return Rejection.FailedPrecondition(
                $"a buyer cancels a running order alone only once it is late (SPEC 2); order {OrderId} is due at {DueAt:O} "
                + "and not late: open a cancellation request in the Resolution Center or contact support");
        }

        return RequirementsSubmittedAt is null
            ? Rejection.FailedPrecondition(
                $"order {OrderId} is past its due time {DueAt:O} but its requirements were never submitted, so it is not the seller's lateness; "
                + $"cancel with {Names.Proto(CancellationReason.MissingRequirements)}, or use the Resolution Center or support")
            : null;
    }

    /// <summary>
    /// Records Messaging's buyer-unresponsive mark count of one conversation about this order: the
    /// highest count seen per conversation, so a repeated, late or out-of-order event counts nothing
    /// twice. Null when it adds nothing. Not an order change of its own (no version, no event): the next
    /// order event carries the new total.
    /// </summary>
    public Order? WithBuyerUnresponsiveMarks(string conversationId, int marksInConversation, long conversationVersion = 0)
    {
        var known = BuyerUnresponsiveMarksByConversation.GetValueOrDefault(conversationId);
        var wait = BuyerWaitsByConversation.GetValueOrDefault(conversationId) ?? new MarkedWait(0, 0);
        if (marksInConversation <= known && conversationVersion <= wait.MarkedVersion)
        {
            return null;
        }

        return this with
        {
            BuyerUnresponsiveMarksByConversation = BuyerUnresponsiveMarksByConversation.SetItem(conversationId, Math.Max(known, marksInConversation)),
            BuyerWaitsByConversation = BuyerWaitsByConversation.SetItem(conversationId, wait with { MarkedVersion = Math.Max(wait.MarkedVersion, conversationVersion) }),
        };
    }

    /// <summary>
    /// Records the buyer's message in a conversation with marks (at <paramref name="conversationVersion"/>):
    /// a mark of an earlier version is answered. Null when it adds nothing (an older message, repeated).
    /// </summary>
    public Order? WithBuyerAnswered(string conversationId, long conversationVersion)
    {
        var wait = BuyerWaitsByConversation.GetValueOrDefault(conversationId) ?? new MarkedWait(0, 0);
        return conversationVersion <= wait.AnsweredVersion
            ? null
            : this with { BuyerWaitsByConversation = BuyerWaitsByConversation.SetItem(conversationId, wait with { AnsweredVersion = conversationVersion }) };
    }
}
