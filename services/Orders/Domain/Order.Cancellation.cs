using Marketplace.Contracts.Common.V1;
using Marketplace.Contracts.Orders.V1;

namespace Marketplace.Orders.Domain;

/// <summary>
/// Direct cancellation (SPEC 2). Orders records the facts - initiator (from the caller's
/// role), reason, buyer unresponsive - and leaves "counts against the seller" to Scoring's
/// policy table, so operators can change the table without touching Orders; a reason that
/// exempts the seller is recorded only when the order's facts support it.
/// </summary>
public sealed partial record Order
{
    /// <summary>
    /// Cancels directly. Seller: any state before completed. Buyer: once the order is late, or to
    /// withdraw an order that never got going (placed by mistake, duplicate, requirements never
    /// submitted); otherwise through the Resolution Center or support. Support: any state before
    /// completed. Internal callers record chargebacks only. An exempting reason is a claim checked
    /// against the facts (<see cref="CheckClaim"/>), whoever gives it.
    /// </summary>
    public Decision<Order> Cancel(Actor caller, CancelOrderRequest request, DateTimeOffset now, OrderPolicy policy)
    {
        const string command = "cancel";
        var problem = Allow(caller, command, PartyRole.Buyer, PartyRole.Seller, PartyRole.Support, PartyRole.Internal)
            ?? CancellationRules.CheckDirect(caller.Role, request.Reason, request.BuyerUnresponsive)
            ?? RequireOpen(command)
            ?? (caller.Role == PartyRole.Buyer ? CheckBuyerAlone(request.Reason, now) : null)
            ?? CheckClaim(caller.Role, request.Reason, request.BuyerUnresponsive, now, policy);
        if (problem is not null)
        {
            return problem;
        }

        var initiator = caller.Role switch
        {
            PartyRole.Buyer => CancellationInitiator.Buyer,
            PartyRole.Seller => CancellationInitiator.Seller,
            PartyRole.Support => CancellationInitiator.Support,
            _ => CancellationInitiator.Chargeback,
        };
        var cancellation = new OrderCancellation(
            initiator,
            request.Reason,
            request.BuyerUnresponsive || request.Reason == CancellationReason.BuyerUnresponsive,
            caller.Role,
            now,
            request.Note);
        return CancelWith(cancellation, now);
    }

    private Decision<Order> CancelWith(OrderCancellation cancellation, DateTimeOffset now) =>
        new Changes(this, now)
            .Then(o => o with { State = OrderState.Cancelled, Cancellation = cancellation, AutoCompleteAt = null },
                o => new OrderCancelled { Order = o })
            .Decide();
}

/// <summary>
/// Which cancellation reasons each kind of caller may give. Chargebacks are recorded only by
/// internal callers (payments) and support verdicts only by support; a mutual agreement
/// needs the other party's acceptance, so it comes from the Resolution Center.
/// </summary>
public static class CancellationRules
{
    private static readonly CancellationReason[] ChargebackReasons =
        [CancellationReason.ChargebackFraud, CancellationReason.ChargebackDispute];

    private static readonly CancellationReason[] SupportOnlyReasons =
        [CancellationReason.SupportInSellersFavour, CancellationReason.SupportInBuyersFavour, CancellationReason.TermsViolation];

    /// <summary>Checks a direct cancellation's reason and buyer-unresponsive flag for the caller's role.</summary>
    public static Rejection? CheckDirect(PartyRole role, CancellationReason reason, bool buyerUnresponsive)
    {
        var known = CheckKnown("reason", reason);
        if (known is not null)
        {
            return known;
        }

        if (role == PartyRole.Internal)
        {
            return ChargebackReasons.Contains(reason)
                ? null
                : Rejection.InvalidArgument(
                    $"reason {Names.Proto(reason)}: internal callers record chargebacks only (CANCELLATION_REASON_CHARGEBACK_FRAUD or CANCELLATION_REASON_CHARGEBACK_DISPUTE)");
        }

        if (ChargebackReasons.Contains(reason))
        {
            return Rejection.InvalidArgument($"reason {Names.Proto(reason)}: chargebacks are recorded by the payment system only");
        }

        if (role != PartyRole.Support && SupportOnlyReasons.Contains(reason))
        {
            return Rejection.InvalidArgument($"reason {Names.Proto(reason)} is a support decision; {Names.Of(role)} may not give it");
        }

        if (role != PartyRole.Support && reason == CancellationReason.MutualAgreement)
        {
            return Rejection.InvalidArgument(
                "reason CANCELLATION_REASON_MUTUAL_AGREEMENT needs the other party's acceptance: open a cancellation request in the Resolution Center");
        }

        return CheckBuyerNotSelfUnresponsive(role, reason, buyerUnresponsive);
    }

    /// <summary>Checks the reason of a Resolution Center cancellation request.</summary>
    public static Rejection? CheckRequested(PartyRole role, CancellationReason reason)
    {
        var problem = CheckKnown("cancellation_reason", reason);
        if (problem is not null)
        {
            return problem;
        }

        if (ChargebackReasons.Contains(reason) || SupportOnlyReasons.Contains(reason))
        {
            return Rejection.InvalidArgument(
                $"cancellation_reason {Names.Proto(reason)} cannot be requested by a party; it is recorded by support or payments");
        }

        return CheckBuyerNotSelfUnresponsive(role, reason, buyerUnresponsive: false);
    }

    private static Rejection? CheckKnown(string field, CancellationReason reason) =>
        reason == CancellationReason.Unspecified || !Enum.IsDefined(reason)
            ? Rejection.InvalidArgument($"{field} must be a known cancellation reason (was {(int)reason})")
            : null;

    private static Rejection? CheckBuyerNotSelfUnresponsive(PartyRole role, CancellationReason reason, bool buyerUnresponsive) =>
        role == PartyRole.Buyer && (buyerUnresponsive || reason == CancellationReason.BuyerUnresponsive)
            ? Rejection.InvalidArgument("buyer_unresponsive: a buyer cannot declare themselves unresponsive")
            : null;
}
