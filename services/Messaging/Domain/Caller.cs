using Marketplace.Contracts.Common.V1;

namespace Marketplace.Messaging.Domain;

/// <summary>
/// Who issues a command: the account id and role taken from the caller's token (SPEC 5.6).
/// Commands check it against the order's parties; request fields never name the caller.
/// </summary>
public sealed record Caller(string Id, PartyRole Role)
{
    public static Caller Buyer(string id) => new(id, PartyRole.Buyer);

    public static Caller Seller(string id) => new(id, PartyRole.Seller);

    public static Caller Support(string id) => new(id, PartyRole.Support);

    public static Caller Internal(string id) => new(id, PartyRole.Internal);
}
