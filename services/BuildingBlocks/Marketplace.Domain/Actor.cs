using Marketplace.Contracts.Common.V1;

namespace Marketplace.Domain;

/// <summary>
/// Who issues a command and in which capacity: the account id from the caller's token and
/// the party role it acts as for this entity (SPEC 5.6).
/// Commands check it against the order's parties; request fields never name the caller.
/// </summary>
public sealed record Actor(string Id, PartyRole Role)
{
    public static Actor Buyer(string id) => new(id, PartyRole.Buyer);

    public static Actor Seller(string id) => new(id, PartyRole.Seller);

    public static Actor Support(string id) => new(id, PartyRole.Support);

    public static Actor Internal(string id) => new(id, PartyRole.Internal);
}
