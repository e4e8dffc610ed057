using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Marketplace.Contracts.Common.V1;
using Marketplace.Contracts.Orders.V1;
using Marketplace.Orders.Domain;
using Xunit;
using Money = Marketplace.Contracts.Common.V1.Money;
using Order = Marketplace.Orders.Domain.Order;

namespace Marketplace.Orders.Tests;

/// <summary>Builds orders by running real commands, and asserts on decisions.</summary>
internal static class Scenario
{
    public static readonly DateTimeOffset T0 = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
    public static readonly Actor Buyer = Actor.Buyer("b-1");
    public static readonly Actor Seller = Actor.Seller("s-1");
    public static readonly Actor Support = Actor.Support("sup-1");
    public static readonly Actor Payments = Actor.Internal("payments");
    public static readonly OrderPolicy Policy = OrderPolicy.Default;

    public static PlaceOrderRequest PlaceRequest(int revisionsIncluded = 1, long amountMinor = 5000) => new()
    {
        RequestId = "req-1",
        GigId = "gig-1",
        SellerId = Seller.Id,
        Category = "logo-design",
        Amount = new Money { CurrencyCode = "USD", AmountMinor = amountMinor },
        DueAt = Timestamp.FromDateTimeOffset(T0.AddDays(5)),
        RevisionsIncluded = revisionsIncluded,
    };

    public static Order Placed(int revisionsIncluded = 1) =>
        Accepted(Order.Place("ord-1", Buyer, false, PlaceRequest(revisionsIncluded), T0, Policy));

    /// <summary>The requirements come with the order (at <see cref="T0"/>), so the due time stays T0 + 5 days.</summary>
    public static Order RequirementsSubmitted(int revisionsIncluded = 1) =>
        Accepted(Placed(revisionsIncluded).SubmitRequirements(Buyer, "a blue logo", T0));

    public static Order InProgress(int revisionsIncluded = 1) =>
        Accepted(RequirementsSubmitted(revisionsIncluded).StartWork(Seller, T0.AddHours(2)));

    public static Order Delivered(int revisionsIncluded = 1, DateTimeOffset? at = null) =>
        Accepted(InProgress(revisionsIncluded).Deliver(Seller, at ?? T0.AddDays(2), Policy));

    public static Order RevisionRequested(int revisionsIncluded = 1) =>
        Accepted(Delivered(revisionsIncluded).RequestRevision(Buyer, "make it bigger", T0.AddDays(3)));

    public static Order Completed() => Accepted(Delivered().AcceptDelivery(Buyer, T0.AddDays(3)));

    public static Order Cancelled() =>
        Accepted(InProgress().Cancel(Seller, new CancelOrderRequest { Reason = CancellationReason.SellerUnableToDeliver }, T0.AddDays(1), Policy));

    /// <summary>The order after Messaging marked its buyer unresponsive once (conversation "conv-1").</summary>
    public static Order Marked(Order order) => order.WithBuyerUnresponsiveMarks("conv-1", 1)!;

    /// <summary>Every state of SPEC 2, reached through the commands.</summary>
    public static IEnumerable<Order> EveryState() =>
        [Placed(), RequirementsSubmitted(), InProgress(), Delivered(), RevisionRequested(), Completed(), Cancelled()];

    /// <summary>The order snapshot every order event carries in its field "order".</summary>
    public static Marketplace.Contracts.Orders.V1.Order SnapshotOf(IMessage orderEvent) =>
        (Marketplace.Contracts.Orders.V1.Order)orderEvent.Descriptor.FindFieldByName("order").Accessor.GetValue(orderEvent);

    public static T Accepted<T>(Decision<T> decision)
        where T : class
    {
        Assert.True(decision.IsAccepted, decision.Rejection?.Message);
        return decision.State!;
    }

    public static Rejection Rejected<T>(Decision<T> decision, RejectionKind kind)
        where T : class
    {
        Assert.False(decision.IsAccepted, "expected a rejection");
        Assert.Empty(decision.Events);
        Assert.Null(decision.State);
        Assert.Equal(kind, decision.Rejection!.Kind);
        return decision.Rejection;
    }

    public static OpenResolutionRequest Extension(TimeSpan by) =>
        new() { Kind = ResolutionKind.Extension, ExtendBy = Duration.FromTimeSpan(by), Message = "need two more days" };

    public static OpenResolutionRequest Refund(long minor, string currency = "USD") =>
        new() { Kind = ResolutionKind.PartialRefund, Refund = new Money { CurrencyCode = currency, AmountMinor = minor } };

    public static OpenResolutionRequest CancellationRequest(CancellationReason reason) =>
        new() { Kind = ResolutionKind.Cancellation, CancellationReason = reason };
}
