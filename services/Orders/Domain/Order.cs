using System.Collections.Immutable;
using Marketplace.Contracts.Common.V1;
using Marketplace.Contracts.Orders.V1;

namespace Marketplace.Orders.Domain;

/// <summary>
/// One order and every fact recorded about it (SPEC 2). Immutable: commands return a new
/// value with <see cref="Version"/> increased once per published event, so the store can
/// write it with its events atomically and consumers can order events by version.
/// The fields are simple values so the store can keep the order as a flat hash
/// (<see cref="Store.OrderFields"/>).
/// </summary>
public sealed partial record Order
{
    public required string OrderId { get; init; }

    /// <summary>1 when placed; +1 with every event published about the order.</summary>
    public required long Version { get; init; }

    /// <summary>
    /// The store's revision of the order's hash: raised by every write of it (<c>OrderStore.StageChanged</c>),
    /// and the one commit condition of a unit of work that read the order. Not a domain fact: <see cref="Version"/>
    /// counts published changes, and some writes publish nothing (Messaging's marks, a timer with nothing due).
    /// </summary>
    public long StoreRevision { get; init; }

    public required OrderState State { get; init; }

    public required string GigId { get; init; }

    public required string SellerId { get; init; }

    public required string BuyerId { get; init; }

    public required string Category { get; init; }

    public required Money Amount { get; init; }

    public required int RevisionsIncluded { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public required DateTimeOffset OriginalDueAt { get; init; }

    /// <summary>Due time after accepted extensions.</summary>
    public required DateTimeOffset DueAt { get; init; }

    public required DateTimeOffset UpdatedAt { get; init; }

    public DateTimeOffset? RequirementsSubmittedAt { get; init; }

    public DateTimeOffset? StartedAt { get; init; }

    public DateTimeOffset? FirstDeliveredAt { get; init; }

    public DateTimeOffset? LastDeliveredAt { get; init; }

    public int DeliveryCount { get; init; }

    public int RevisionCount { get; init; }

    public int RevisionsBeyondIncluded { get; init; }

    public int RevisionsDeclined { get; init; }

    public int ExtensionCount { get; init; }

    /// <summary>Sum of accepted partial refunds, in minor units of <see cref="Amount"/>'s currency.</summary>
    public long RefundedMinor { get; init; }

    /// <summary>While delivered: when the policy timer completes the order.</summary>
    public DateTimeOffset? AutoCompleteAt { get; init; }

    public DateTimeOffset? CompletedAt { get; init; }

    public bool AutoCompleted { get; init; }

    public int DisputeCount { get; init; }

    public int SupportContactCount { get; init; }

    public OrderCancellation? Cancellation { get; init; }

    /// <summary>Resolution Center requests, oldest first.</summary>
    public ImmutableList<Resolution> Resolutions { get; init; } = [];

    /// <summary>
    /// The buyer held an active seller account when placing the order (their token held the seller
    /// role too): a fact of the buyer's account kept with the order (SPEC 4).
    /// </summary>
    public bool BuyerHasSellerAccount { get; init; }

    /// <summary>
    /// Messaging's buyer-unresponsive marks on this order, per conversation: the highest mark count
    /// seen in that conversation's events (SPEC 2: the facts behind a "buyer unresponsive" claim).
    /// </summary>
    public ImmutableSortedDictionary<string, int> BuyerUnresponsiveMarksByConversation { get; init; } =
        ImmutableSortedDictionary.Create<string, int>(StringComparer.Ordinal);

    /// <summary>
    /// Per conversation about this order, the conversation versions of the latest buyer-unresponsive
    /// mark and of the buyer's latest message after marks began (Messaging's events, each carrying its
    /// conversation's version): a mark is still open while no answer of the buyer came after it.
    /// </summary>
    public ImmutableSortedDictionary<string, MarkedWait> BuyerWaitsByConversation { get; init; } =
        ImmutableSortedDictionary.Create<string, MarkedWait>(StringComparer.Ordinal);

    /// <summary>
    /// A marked wait on the buyer is still open in one of the order's conversations: the buyer has not
    /// answered since the latest mark there (a mark recorded before answers were followed counts as open).
    /// </summary>
    public bool BuyerStillUnresponsive =>
        BuyerUnresponsiveMarksByConversation.Keys.Any(conversation => BuyerWaitsByConversation.GetValueOrDefault(conversation)?.IsOpen ?? true);

    /// <summary>Buyer-unresponsive marks over all of the order's conversations.</summary>
    public int BuyerUnresponsiveMarks =>
        (int)Math.Min(int.MaxValue, BuyerUnresponsiveMarksByConversation.Values.Sum(count => (long)count));

    /// <summary>Completed and cancelled orders take no more lifecycle commands.</summary>
    public bool IsClosed => State is OrderState.Completed or OrderState.Cancelled;

    /// <summary>
    /// SPEC 2: late when the due time (after accepted extensions) has passed with no delivery.
    /// </summary>
    public bool IsLateAt(DateTimeOffset now) => FirstDeliveredAt is null && now > DueAt;

    /// <summary>SPEC 2: lateness = time between due and first delivery (zero when on time).</summary>
    public TimeSpan? Lateness =>
        FirstDeliveredAt is { } delivered ? (delivered > DueAt ? delivered - DueAt : TimeSpan.Zero) : null;

    /// <summary>The open or escalated request, if any (at most one per order).</summary>
    public Resolution? PendingResolution =>
        Resolutions.FirstOrDefault(r => r.Status is ResolutionStatus.Open or ResolutionStatus.Escalated);

    /// <summary>
    /// The order a caller meets who names an id no order has: one no account is a party of. The
    /// permission rules answer on it as on a real order the caller is no party of (permission comes
    /// before existence, issue 16), so their refusal tells nothing about whether the order exists.
    /// </summary>
    public static Order OfNobody(string orderId) => new()
    {
        OrderId = orderId,
        Version = 0,
        State = OrderState.Placed,
        GigId = "",
        SellerId = "",
        BuyerId = "",
        Category = "",
        Amount = new Money("USD", 0),
        RevisionsIncluded = 0,
        CreatedAt = DateTimeOffset.UnixEpoch,
        OriginalDueAt = DateTimeOffset.UnixEpoch,
        DueAt = DateTimeOffset.UnixEpoch,
        UpdatedAt = DateTimeOffset.UnixEpoch,
    };

    /// <summary>The party's account id on this order, or null for support/internal roles.</summary>
    public string? PartyId(PartyRole role) => role switch
    {
        PartyRole.Buyer => BuyerId,
        PartyRole.Seller => SellerId,
        _ => null,
    };
}

/// <summary>How the order ended without completion (SPEC 2: initiator, reason, buyer unresponsive).</summary>
public sealed record OrderCancellation(
    CancellationInitiator Initiator,
    CancellationReason Reason,
    bool BuyerUnresponsive,
    PartyRole RequestedBy,
    DateTimeOffset CancelledAt,
    string Note);

/// <summary>
/// One Resolution Center request (SPEC 1): an extension, cancellation or partial refund
/// asked of the other party. Rejected or escalated requests are disputes.
/// </summary>
public sealed record Resolution
{
    public required string ResolutionId { get; init; }

    public required ResolutionKind Kind { get; init; }

    public required ResolutionStatus Status { get; init; }

    public required PartyRole RequestedBy { get; init; }

    public required DateTimeOffset OpenedAt { get; init; }

    public TimeSpan? ExtendBy { get; init; }

    public Money? Refund { get; init; }

    public CancellationReason CancellationReason { get; init; }

    public string Message { get; init; } = "";

    public DateTimeOffset? AnsweredAt { get; init; }

    /// <summary>For a seller's extension request: accepted automatically at this time if still open.</summary>
    public DateTimeOffset? AutoAcceptAt { get; init; }
}

/// <summary>
/// The conversation versions of the latest buyer-unresponsive mark (<paramref name="MarkedVersion"/>)
/// and of the buyer's latest message after marks began (<paramref name="AnsweredVersion"/>; 0 for none).
/// </summary>
public sealed record MarkedWait(long MarkedVersion, long AnsweredVersion)
{
    /// <summary>No answer of the buyer was seen, or the latest mark came after the latest answer.</summary>
    public bool IsOpen => AnsweredVersion == 0 || AnsweredVersion < MarkedVersion;
}
