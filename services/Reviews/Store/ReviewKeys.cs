namespace Marketplace.Reviews.Store;

/// <summary>
/// The Reviews service's Redis keys (layout in services/Reviews/README.md). Each entity's id
/// is the hash tag, so one order's keys share a cluster slot.
/// </summary>
public static class ReviewKeys
{
    /// <summary>Hash: what Reviews knows about an order (<see cref="OrderFactsFields"/>).</summary>
    public static string Order(string orderId) => $"reviews:{{{orderId}}}:order";

    /// <summary>Hash: the order's review record (<see cref="ReviewFields"/>).</summary>
    public static string Review(string orderId) => $"reviews:{{{orderId}}}:review";

    /// <summary>Hash: field = id of a completed order of the buyer, value = its completion time.</summary>
    public static string BuyerCompletedOrders(string buyerId) => $"reviews:buyer:{{{buyerId}}}:completed";

    /// <summary>Sorted set: order ids of a Gig's published reviews, scored by publication time (Unix ms).</summary>
    public static string GigPublished(string gigId) => $"reviews:gig:{{{gigId}}}:published";

    /// <summary>Sorted set: order ids of reviews pending publication, scored by the end of their window (Unix ms).</summary>
    public const string PendingPublication = "reviews:{pending-publication}";

    /// <summary>
    /// Hash: order id → when and why its publication was parked (it failed repeatedly), for support.
    /// Same hash tag as <see cref="PendingPublication"/>, so parking moves an entry in one transaction.
    /// </summary>
    public const string ParkedPublications = "reviews:{pending-publication}:parked";
}
