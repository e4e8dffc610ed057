using Grpc.Core;
using Marketplace.Contracts.Orders.V1;
using Marketplace.Contracts.Reviews.V1;
using Marketplace.Hosting.Identity;
using Marketplace.Testing;
using Xunit;
using static Marketplace.Reviews.Tests.Service.ReviewsServiceFixture;

namespace Marketplace.Reviews.Tests.Service;

/// <summary>An order's ids as the service tests use them.</summary>
public sealed record OrderIds(string Order, string Gig, string Buyer, string Seller);

/// <summary>What the service tests do again and again: orders delivered as Orders publishes them, requests, event reads, refusals.</summary>
public static class Steps
{
    public const string Text = "Great work, delivered early.";

    /// <summary>An order of its own Gig (or <paramref name="gigId"/>), completed <paramref name="ago"/> before now (default one hour).</summary>
    public static async Task<OrderIds> CompletedOrderAsync(
        this ReviewsServiceFixture fx, TimeSpan? ago = null, string? gigId = null, string? buyerId = null, string category = "logo-design")
    {
        var ids = OrderEvents.NewIds();
        var o = new OrderIds(ids.Order, gigId ?? ids.Gig, buyerId ?? ids.Buyer, ids.Seller);
        var completed = OrderEvents.Completed(OrderEvents.Placed(o.Order, o.Gig, o.Buyer, o.Seller, category), ago);
        await fx.DeliverAsync(new OrderCompleted { Order = completed }, completed);
        return o;
    }

    /// <summary>A buyer review request; the private rating is left out when <paramref name="privateRating"/> is null.</summary>
    public static SubmitBuyerReviewRequest Submit(string orderId, string requestId, int overall = 5, int? privateRating = 9, string text = Text)
    {
        var ratings = new BuyerRatings { Overall = overall, Communication = 5, Quality = 4, ValueForMoney = 4, WouldRecommend = true };
        if (privateRating is { } given)
        {
            ratings.PrivateRating = given;
        }

        return new SubmitBuyerReviewRequest { RequestId = requestId, OrderId = orderId, Ratings = ratings, Text = text };
    }

    public static SubmitSellerReviewRequest SellerReview(string orderId, string requestId = "s-1") =>
        new() { RequestId = requestId, OrderId = orderId, Rating = 4, Text = "Clear brief." };

    /// <summary>Waits until at least <paramref name="count"/> review events of the order reached the topic, and returns them.</summary>
    public static async Task<IReadOnlyList<EventBus.CloudEvent>> EventsAsync(this ReviewsServiceFixture fx, string orderId, int count)
    {
        await Wait.UntilAsync(async () => (await fx.ReviewEventsAsync(orderId)).Count >= count, $"{count} review events of {orderId}");
        return await fx.ReviewEventsAsync(orderId);
    }

    /// <summary>The call is refused with <paramref name="code"/> and a message containing <paramref name="fragment"/>, and the review state, Gig index and event count are as before.</summary>
    public static async Task AssertRefusedAsync(this ReviewsServiceFixture fx, StatusCode code, string fragment, OrderIds o, Func<Task> call)
    {
        var before = await fx.StateAsync(o.Order, o.Gig);
        var refused = await Assert.ThrowsAsync<RpcException>(call);
        Assert.Equal(code, refused.StatusCode);
        Assert.Contains(fragment, refused.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(before, await fx.StateAsync(o.Order, o.Gig));
    }

    /// <summary>The events of the review record itself, without the order's window events.</summary>
    public static IReadOnlyList<EventBus.CloudEvent> RecordEvents(IEnumerable<EventBus.CloudEvent> events) =>
        events.Where(e => e.Type != Platform.PlatformEvents.TypeOf(ReviewWindowOpened.Descriptor)
            && e.Type != Platform.PlatformEvents.TypeOf(ReviewWindowClosed.Descriptor)).ToList();

    public static Metadata BuyerOf(OrderIds o) => As(o.Buyer, CallerRole.Buyer);

    public static Metadata SellerOf(OrderIds o) => As(o.Seller, CallerRole.Seller);

    public static Metadata Support => As("sup-1", CallerRole.Support);

    public static Metadata Internal => As("ranking", CallerRole.Internal);
}
