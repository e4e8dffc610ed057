using Marketplace.Contracts.Orders.V1;
using Marketplace.Contracts.Reviews.V1;
using Marketplace.Hosting.Identity;
using Marketplace.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Marketplace.Reviews.Tests.Service;

/// <summary>A clock the test moves; the service reads review windows from it.</summary>
public sealed class ManualClock : TimeProvider
{
    private long _offsetTicks;

    public void Advance(TimeSpan by) => Interlocked.Add(ref _offsetTicks, by.Ticks);

    public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + TimeSpan.FromTicks(Interlocked.Read(ref _offsetTicks));
}

/// <summary>A Reviews host on a <see cref="ManualClock"/>, so a 14-day window can end within a test.</summary>
public sealed class ClockedReviewsFixture : ReviewsServiceFixture
{
    public ManualClock Clock { get; } = new();

    protected override void Configure(WebApplicationBuilder builder) => builder.Services.AddSingleton<TimeProvider>(Clock);
}

/// <summary>A buyer review the seller never answers is published when its window ends (SPEC 4), once.</summary>
public sealed class PublicationSweepTests(ClockedReviewsFixture fx) : IClassFixture<ClockedReviewsFixture>
{
    [Fact]
    public async Task A_pending_review_is_published_when_its_window_ends()
    {
        var ids = OrderEvents.NewIds();
        var completed = OrderEvents.Completed(OrderEvents.Placed(ids.Order, ids.Gig, ids.Buyer, ids.Seller));
        await fx.DeliverAsync(new OrderCompleted { Order = completed }, completed);
        var buyer = ReviewsClient.As(fx.Channel, ids.Buyer, CallerRole.Buyer);
        var pending = await buyer.SubmitBuyerReview(new SubmitBuyerReviewRequest
        {
            RequestId = "r-1",
            OrderId = ids.Order,
            Ratings = new BuyerRatings { Overall = 4, Communication = 4, Quality = 4, ValueForMoney = 4, PrivateRating = 7 },
            Text = "Solid work, a bit slow.",
        });
        Assert.Equal(ReviewStatus.PendingPublication, pending.Status);

        fx.Clock.Advance(TimeSpan.FromDays(14));
        await Wait.UntilAsync(async () => (await fx.ReviewEventsAsync(ids.Order)).Count >= 2, "the review is published");

        var events = await fx.ReviewEventsAsync(ids.Order);
        Assert.Equal(["reviews.buyer_review_submitted.v1", "reviews.review_published.v1"], events.Select(e => e.Type));
        Assert.True(ReviewPublished.Parser.ParseJson(events[1].Data).BecauseWindowEnded);
        var listed = Assert.Single((await buyer.GetGigReviews(new GetGigReviewsRequest { GigId = ids.Gig })).Reviews);
        Assert.Equal(ReviewStatus.Published, listed.Status);
        Assert.Null(await fx.Db.SortedSetScoreAsync("reviews:{pending-publication}", ids.Order));
    }
}
