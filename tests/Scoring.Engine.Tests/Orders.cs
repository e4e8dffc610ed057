namespace Marketplace.Scoring.Engine.Tests;

/// <summary>Builds order facts for tests: by default a 100 USD order, completed on time, no review.</summary>
internal static class Orders
{
    public static readonly DateTimeOffset T0 = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);

    public static readonly ReviewFacts FiveStars = new(5, 5, 5, 5, true);
    public static readonly ReviewFacts OneStar = new(1, 1, 1, 1, false);

    /// <summary>An order created <paramref name="day"/> days after T0, due 4 days later, delivered on day 3 and completed on day 5.</summary>
    public static OrderFacts Completed(string id, double day = 0, decimal amount = 100m, string gig = "gig-1") => new()
    {
        OrderId = id,
        GigId = gig,
        AmountUsd = amount,
        CreatedAt = T0.AddDays(day),
        DueAt = T0.AddDays(day + 4),
        FirstDeliveryAt = T0.AddDays(day + 3),
        CompletedAt = T0.AddDays(day + 5),
    };

    /// <summary>An order cancelled on day +2 of its life, never delivered.</summary>
    public static OrderFacts Cancelled(string id, CancellationInitiator by, CancellationReason reason, double day = 0, string gig = "gig-1") =>
        Completed(id, day, gig: gig) with
        {
            FirstDeliveryAt = null,
            CompletedAt = null,
            Cancellation = new CancellationFacts(T0.AddDays(day + 2), by, reason),
        };

    public static OrderFacts Bad(string id, double day = 0, string gig = "gig-1") =>
        Completed(id, day, gig: gig) with
        {
            FirstDeliveryAt = T0.AddDays(day + 8),
            DisputeOpened = true,
            SellerUnresponsive = true,
            Review = OneStar,
            PrivateRating = 0,
        };

    public static GigLedger Ledger(IEnumerable<OrderFacts> orders, ScoringPolicy? policy = null, string gig = "gig-1")
    {
        var ledger = new GigLedger(gig, policy ?? ScoringPolicy.Default);
        foreach (var o in orders) ledger.Upsert(o);
        return ledger;
    }
}
