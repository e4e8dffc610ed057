using Marketplace.Grpc;
using Marketplace.Hosting.Identity;
using Marketplace.Orders.Domain;

namespace Marketplace.Orders.Api;

/// <summary>
/// Turns the authenticated caller into the party it acts as on one order (SPEC 5.6): the
/// order's buyer or seller when the token's subject is that account and holds that role;
/// otherwise support or internal when the token holds one of those roles. Anyone else is
/// refused before the domain sees the command, with the rule named.
/// </summary>
public static class ActingParty
{
    public static Actor On(Order order, Caller caller)
    {
        if (caller.Subject == order.BuyerId && caller.Has(CallerRole.Buyer))
        {
            return Actor.Buyer(caller.Subject);
        }

        if (caller.Subject == order.SellerId && caller.Has(CallerRole.Seller))
        {
            return Actor.Seller(caller.Subject);
        }

        if (caller.Has(CallerRole.Support))
        {
            return Actor.Support(caller.Subject);
        }

        if (caller.Has(CallerRole.Internal))
        {
            return Actor.Internal(caller.Subject);
        }

        throw new RpcException(new Status(StatusCode.PermissionDenied,
            $"caller {caller.Subject} may not act on order {order.OrderId}: only its buyer (with the buyer role), "
            + "its seller (with the seller role), support or internal callers may"));
    }

    /// <summary>PlaceOrder: the caller must hold the buyer role and becomes the order's buyer.</summary>
    public static Actor Placing(Caller caller) =>
        caller.Has(CallerRole.Buyer)
            ? Actor.Buyer(caller.Subject)
            : throw new RpcException(new Status(StatusCode.PermissionDenied,
                $"'place_order' needs the buyer role; caller {caller} does not hold it"));
}
