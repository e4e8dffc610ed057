namespace Marketplace.Orders.Store;

/// <summary>
/// The Orders service's Redis keys. Each order's key carries its id as a hash tag so that one
/// entity's keys share a cluster slot; see README.md for the layout.
/// </summary>
public static class OrderKeys
{
    /// <summary>The order hash, fields as written by <see cref="OrderFields"/>.</summary>
    public static string Order(string orderId) => $"orders:{{{orderId}}}";

    /// <summary>Sorted set of the order ids of one account (as buyer or seller), scored by creation time (ms).</summary>
    public static string AccountOrders(string accountId) => $"orders:{{account:{accountId}}}:orders";

    /// <summary>
    /// String: the seller a Gig belongs to, as the first order placed for it named them (there is no
    /// Gig catalogue); every later order for the Gig must name the same seller.
    /// </summary>
    public static string GigSeller(string gigId) => $"orders:{{gig:{gigId}}}:seller";

    /// <summary>Sorted set of order ids scored by the time (ms, rounded up) their next policy timer is due.</summary>
    public const string Timers = "orders:timers";

    /// <summary>Hash of order id → why its timer was parked (it failed repeatedly), for support.</summary>
    public const string ParkedTimers = "orders:timers:parked";
}
