namespace Marketplace.Scoring.Engine;

/// <summary>Who ended an order without completion (SPEC 1, 2).</summary>
public enum CancellationInitiator
{
    Buyer,
    Seller,
    Mutual,
    Support,
    Chargeback,
}

/// <summary>
/// Why an order was cancelled. Whether a reason counts against the seller is decided by the
/// policy's <see cref="CancellationRules"/>, not here, so operators can change the table.
/// </summary>
public enum CancellationReason
{
    BuyerUnresponsive,
    PlacedByMistake,
    Duplicate,
    MissingRequirements,
    SupportInSellerFavour,
    FraudChargeback,
    SellerUnableToDeliver,
    SellerUnresponsive,
    LateDelivery,
    QualityNotAsDescribed,
    SupportInBuyerFavour,
    Chargeback,
    Other,

    /// <summary>Both parties agreed to cancel (a Resolution Center request accepted).</summary>
    MutualAgreement,

    /// <summary>Support cancelled because a party broke the terms of service.</summary>
    TermsViolation,
}

/// <summary>How an order was cancelled: the facts the rule table needs.</summary>
public sealed record CancellationFacts(DateTimeOffset At, CancellationInitiator Initiator, CancellationReason Reason);

/// <summary>
/// The buyer's published review of an order (SPEC 4). Ratings are 1–5. A review removed by
/// support is represented by no review at all: it stops counting everywhere.
/// </summary>
public sealed record ReviewFacts(int Overall, int Communication, int ServiceAsDescribed, int ValueForMoney, bool WouldRecommend);

/// <summary>
/// Everything Scoring knows about one order, merged by the service from order, review and
/// messaging events. An order's contribution to its Gig is a pure function of these facts,
/// the policy and the landmark, which is what lets a later event replace it exactly.
/// </summary>
public sealed record OrderFacts
{
    public required string OrderId { get; init; }
    public required string GigId { get; init; }
    public required decimal AmountUsd { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>Due time after accepted extensions.</summary>
    public required DateTimeOffset DueAt { get; init; }

    public DateTimeOffset? FirstDeliveryAt { get; init; }
    public DateTimeOffset? CompletedAt { get; init; }
    public CancellationFacts? Cancellation { get; init; }

    /// <summary>
    /// Time the seller spent waiting on an unresponsive buyer before delivery (SPEC 3, 5.1): kept out
    /// of the order's lateness. A buyer-unresponsive mark takes nothing else out: the order and its
    /// review count as usual (only cancellations whose reason does not count are left out, SPEC 2).
    /// </summary>
    public TimeSpan BuyerUnresponsiveWait { get; init; }

    /// <summary>A buyer question stayed unanswered by the seller for more than 24 h (SPEC 3).</summary>
    public bool SellerUnresponsive { get; init; }

    /// <summary>Mean seller response time in hours on the order's conversation, when measured.</summary>
    public double? SellerResponseHours { get; init; }

    public bool DisputeOpened { get; init; }
    public bool EscalatedToSupport { get; init; }
    public ReviewFacts? Review { get; init; }

    /// <summary>
    /// The private 0–10 satisfaction rating, never shown to the seller (SPEC 4); null when the buyer
    /// gave none, which is missing, not 0 (SPEC 5.1): the satisfaction area then uses what was given.
    /// </summary>
    public int? PrivateRating { get; init; }

    /// <summary>When the order's outcome became final (completion or cancellation); null while running.</summary>
    public DateTimeOffset? OutcomeAt => CompletedAt ?? Cancellation?.At;

    /// <summary>Problems with these facts, each naming the field; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>(0);
        if (string.IsNullOrWhiteSpace(OrderId)) problems.Add("OrderId must not be empty");
        if (string.IsNullOrWhiteSpace(GigId)) problems.Add("GigId must not be empty");
        if (AmountUsd < 0) problems.Add("AmountUsd must be >= 0");
        if (DueAt < CreatedAt) problems.Add("DueAt must not be before CreatedAt");
        if (FirstDeliveryAt < CreatedAt) problems.Add("FirstDeliveryAt must not be before CreatedAt");
        if (CompletedAt is not null && Cancellation is not null) problems.Add("CompletedAt and Cancellation are exclusive: an order is either completed or cancelled");
        if (CompletedAt < CreatedAt) problems.Add("CompletedAt must not be before CreatedAt");
        if (Cancellation is not null && Cancellation.At < CreatedAt) problems.Add("Cancellation.At must not be before CreatedAt");
        if (SellerResponseHours is < 0 or double.NaN) problems.Add("SellerResponseHours must be >= 0");
        if (BuyerUnresponsiveWait < TimeSpan.Zero) problems.Add("BuyerUnresponsiveWait must be >= 0");
        if (PrivateRating is < 0 or > 10) problems.Add("PrivateRating must be in 0..10");
        if (Review is { } r)
        {
            CheckStars(problems, "Review.Overall", r.Overall);
            CheckStars(problems, "Review.Communication", r.Communication);
            CheckStars(problems, "Review.ServiceAsDescribed", r.ServiceAsDescribed);
            CheckStars(problems, "Review.ValueForMoney", r.ValueForMoney);
        }
        return problems;
    }

    /// <summary>Throws <see cref="ArgumentException"/> listing every problem when the facts are invalid.</summary>
    public void EnsureValid()
    {
        if (IsValid) return; // hot path: no allocation for valid facts
        var problems = Validate();
        if (problems.Count > 0)
            throw new ArgumentException($"Invalid order facts for '{OrderId}': {string.Join("; ", problems)}");
    }

    private bool IsValid =>
        !string.IsNullOrWhiteSpace(OrderId) && !string.IsNullOrWhiteSpace(GigId) && AmountUsd >= 0
        && DueAt >= CreatedAt && !(FirstDeliveryAt < CreatedAt) && !(CompletedAt is not null && Cancellation is not null)
        && !(CompletedAt < CreatedAt) && !(Cancellation is not null && Cancellation.At < CreatedAt)
        && (SellerResponseHours is null or >= 0) && BuyerUnresponsiveWait >= TimeSpan.Zero && (PrivateRating is null or (>= 0 and <= 10))
        && (Review is null || (Stars(Review.Overall) && Stars(Review.Communication) && Stars(Review.ServiceAsDescribed) && Stars(Review.ValueForMoney)));

    private static bool Stars(int value) => value is >= 1 and <= 5;

    private static void CheckStars(List<string> problems, string field, int value)
    {
        if (value is < 1 or > 5) problems.Add($"{field} must be in 1..5");
    }
}
