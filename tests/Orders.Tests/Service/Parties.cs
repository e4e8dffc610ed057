using Marketplace.Hosting.Identity;
using Marketplace.Testing;

namespace Marketplace.Orders.Tests.Service;

/// <summary>Fresh account ids for one test (so tests sharing a Redis never see each other's orders) and their tokens.</summary>
public sealed class Parties
{
    private readonly string _suffix = Guid.NewGuid().ToString("N")[..8];

    public string BuyerId => "buyer-" + _suffix;

    public string SellerId => "seller-" + _suffix;

    public string Buyer => TestIdentity.Bearer(BuyerId, CallerRole.Buyer);

    public string Seller => TestIdentity.Bearer(SellerId, CallerRole.Seller);

    public string Support => TestIdentity.Bearer("support-" + _suffix, CallerRole.Support);

    /// <summary>Holds every party role but is neither this order's buyer nor its seller.</summary>
    public string Stranger => TestIdentity.Bearer("stranger-" + _suffix, CallerRole.Buyer, CallerRole.Seller);

    /// <summary>The buyer's own account without the buyer role (e.g. a seller-only token).</summary>
    public string BuyerWithoutBuyerRole => TestIdentity.Bearer(BuyerId, CallerRole.Seller);
}
