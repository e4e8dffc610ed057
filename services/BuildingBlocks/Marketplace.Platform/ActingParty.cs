using Marketplace.Contracts.Common.V1;
using Marketplace.Domain;
using Marketplace.Hosting.Identity;

namespace Marketplace.Platform;

/// <summary>
/// The one rule for the party an authenticated caller acts as on an order or a conversation
/// (SPEC 5.6). A token may hold several roles (a buyer with an active seller account), so the
/// entity's parties decide: its buyer (holding the buyer role) acts as buyer, its seller (holding
/// the seller role) as seller; anyone else acts as support or internal when the token holds that
/// role, and otherwise as a non-party (<see cref="PartyRole.Unspecified"/>), whom every domain
/// command and read refuses with PERMISSION_DENIED naming the roles it allows.
/// </summary>
public static class ActingParty
{
    public static Actor On(Caller caller, string buyerId, string sellerId)
    {
        string id = caller.Subject;
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
            : new Actor(id, PartyRole.Unspecified);
    }
}
