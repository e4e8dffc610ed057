using Google.Protobuf.Reflection;
using Google.Protobuf.WellKnownTypes;
using Marketplace.Contracts.Common.V1;
using Marketplace.Contracts.Orders.V1;
using Marketplace.Contracts.Reviews.V1;
using Marketplace.EventBus;
using Marketplace.EventBus.Redis;
using Marketplace.Hosting.Identity;
using Marketplace.Testing;
using Xunit;
using static Marketplace.Clients.PlatformClients;

namespace Marketplace.Platform.Tests;

/// <summary>
/// Issue 12, holes 1 and 9 across the real upstream: an order driven to completion through Orders
/// opens its review window in Reviews (the one source Messaging follows), with the category's
/// length; the buyer's review closes it; and until publication nothing of what the buyer wrote
/// reaches the seller, through Reviews' RPCs or through any event on the reviews topic.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class ReviewWindowAcrossServicesTests(RedisFixture redis)
{
    private const string Category = "video-editing";
    private const string Text = "Slow and not what I asked for.";

    [Fact]
    public async Task A_completion_in_Orders_opens_the_window_in_Reviews_and_the_blind_review_closes_it()
    {
        await redis.FlushAsync();
        await using var ordersHost = await Services.OrdersAsync(redis.ConnectionString);
        await using var reviewsHost = await Services.ReviewsAsync(redis.ConnectionString,
            new Dictionary<string, string?> { [$"Reviews:CategoryReviewWindowDays:{Category}"] = "30" });
        var orders = ordersHost.Client<OrdersService.OrdersServiceClient>();
        var reviews = reviewsHost.Client<ReviewsService.ReviewsServiceClient>();
        string tag = Guid.NewGuid().ToString("N")[..8];
        var buyer = Authorization(TestIdentity.Bearer("buyer-" + tag, CallerRole.Buyer));
        var seller = Authorization(TestIdentity.Bearer("seller-" + tag, CallerRole.Seller));

        var order = await orders.PlaceOrderAsync(new PlaceOrderRequest
        {
            RequestId = "place",
            GigId = "gig-" + tag,
            SellerId = "seller-" + tag,
            Category = Category,
            Amount = new Money { CurrencyCode = "USD", AmountMinor = 5_000 },
            DueAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddDays(3)),
        }, buyer);
        var id = order.OrderId;
        await orders.SubmitRequirementsAsync(new SubmitRequirementsRequest { RequestId = "req", OrderId = id, Requirements = "A 30 s teaser." }, buyer);
        await orders.StartWorkAsync(new StartWorkRequest { RequestId = "start", OrderId = id }, seller);
        await orders.DeliverOrderAsync(new DeliverOrderRequest { RequestId = "deliver", OrderId = id, Message = "Here it is." }, seller);
        var completed = await orders.AcceptDeliveryAsync(new AcceptDeliveryRequest { RequestId = "accept", OrderId = id }, buyer);
        Assert.Equal(OrderState.Completed, completed.State);

        var opened = ReviewWindowOpened.Parser.ParseJson((await ReviewEventAsync(id, ReviewWindowOpened.Descriptor)).Data);
        Assert.Equal(completed.CompletedAt, opened.OpensAt);
        Assert.Equal(completed.CompletedAt.ToDateTimeOffset().AddDays(30), opened.EndsAt.ToDateTimeOffset());
        Assert.Equal(("gig-" + tag, "seller-" + tag, "buyer-" + tag), (opened.GigId, opened.SellerId, opened.BuyerId));

        var review = await reviews.SubmitBuyerReviewAsync(new SubmitBuyerReviewRequest
        {
            RequestId = "review",
            OrderId = id,
            Ratings = new BuyerRatings { Overall = 1, Communication = 2, Quality = 1, ValueForMoney = 1, WouldRecommend = false, PrivateRating = 1 },
            Text = Text,
        }, buyer);
        Assert.Equal(opened.EndsAt, review.WindowEndsAt);

        var closed = ReviewWindowClosed.Parser.ParseJson((await ReviewEventAsync(id, ReviewWindowClosed.Descriptor)).Data);
        Assert.Equal(ReviewWindowCloseReason.Reviewed, closed.Reason);
        var seen = await reviews.GetReviewAsync(new GetReviewRequest { OrderId = id }, seller);
        Assert.Equal(ReviewStatus.PendingPublication, seen.Status);
        Assert.Null(seen.Ratings);
        Assert.Equal("", seen.Text);
        foreach (var e in await ReviewEventsAsync(id))
        {
            Assert.DoesNotContain("ratings", e.Data, StringComparison.Ordinal);
            Assert.DoesNotContain(Text, e.Data, StringComparison.Ordinal);
        }
    }

    private async Task<IReadOnlyList<CloudEvent>> ReviewEventsAsync(string orderId) =>
        (await TopicHistory.ReadAsync(redis.Server.Admin.GetDatabase(), PlatformEvents.Topics.Reviews))
            .Select(e => e.Event).Where(e => e.Subject == orderId).ToList();

    /// <summary>Waits for Reviews' event of <paramref name="payload"/>'s type about the order.</summary>
    private async Task<CloudEvent> ReviewEventAsync(string orderId, MessageDescriptor payload)
    {
        var type = PlatformEvents.TypeOf(payload);
        CloudEvent? found = null;
        await Wait.UntilAsync(async () => (found = (await ReviewEventsAsync(orderId)).FirstOrDefault(e => e.Type == type)) is not null,
            $"{type} of order {orderId}");
        return found!;
    }
}
