using Marketplace.Contracts.Common.V1;
using Marketplace.Hosting.Identity;

namespace Marketplace.Reviews.Api;

/// <summary>
/// The party role an authenticated caller acts in for one order. A token may hold several
/// roles (a buyer with an active seller account), so the order's parties decide: its buyer acts
/// as buyer, its seller as seller; anyone else acts in their most privileged role, which the
/// domain then refuses by name where that role may not act.
/// </summary>
public static class Actors
{
    public static Actor For(Caller caller, string buyerId, string sellerId)
    {
        var id = caller.Subject;
        if (caller.Has(CallerRole.Buyer) && id == buyerId)
        {
            return Actor.Buyer(id);
        }

        if (caller.Has(CallerRole.Seller) && id == sellerId)
        {
            return Actor.Seller(id);
        }

        return caller.Has(CallerRole.Support) ? Actor.Support(id)
            : caller.Has(CallerRole.Internal) ? Actor.Internal(id)
            : caller.Has(CallerRole.Seller) ? Actor.Seller(id)
            : caller.Has(CallerRole.Buyer) ? Actor.Buyer(id)
            : new Actor(id, PartyRole.Unspecified);
    }
}
