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

    /// <summary>Hash: the order's buyer review window as announced (<see cref="WindowFields"/>); absent until it opens.</summary>
    public static string Window(string orderId) => $"reviews:{{{orderId}}}:window";

    /// <summary>
    /// Hash: field = id of a cancelled order of the buyer whose window has not opened (yet), value =
    /// its cancellation time. A completion of the buyer's that reaches Reviews late can make them
    /// eligible; such a completion looks at these.
    /// </summary>
    public static string BuyerCancelledOrders(string buyerId) => $"reviews:buyer:{{{buyerId}}}:cancelled";

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

    /// <summary>Sorted set: order ids of open review windows, scored by their end (Unix ms); the window-end loop closes due ones.</summary>
    public const string WindowEnds = "reviews:{window-ends}";

    /// <summary>Hash: order id → when and why closing its window was parked (it failed repeatedly), for support.</summary>
    public const string ParkedWindowEnds = "reviews:{window-ends}:parked";
}
