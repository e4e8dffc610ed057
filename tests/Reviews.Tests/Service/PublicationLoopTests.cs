using Marketplace.Contracts.Orders.V1;
using Marketplace.Contracts.Reviews.V1;
using Marketplace.Hosting.Identity;
using Marketplace.Reviews.Background;
using Marketplace.Reviews.Store;
using Marketplace.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Xunit;
using static Marketplace.Platform.PlatformEvents;
using static Marketplace.Reviews.Tests.Service.ReviewsServiceFixture;
using static Marketplace.Reviews.Tests.Service.Steps;

namespace Marketplace.Reviews.Tests.Service;

/// <summary>A clock the test moves; the service reads review windows from it.</summary>
public sealed class ManualClock : TimeProvider
{
    private long _offsetTicks;

    public void Advance(TimeSpan by) => Interlocked.Add(ref _offsetTicks, by.Ticks);

    public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + TimeSpan.FromTicks(Interlocked.Read(ref _offsetTicks));
}

/// <summary>
/// A Reviews host on a <see cref="ManualClock"/>, so a 14-day window can end within a test. Each
/// test class gets its own host: moving its clock ends the windows of every review it holds.
/// </summary>
public sealed class ClockedReviewsFixture : ReviewsServiceFixture
{
    public ManualClock Clock { get; } = new();

    /// <summary>The running publication loop (a hosted service of the host).</summary>
    public PublicationLoop Loop => Host.Services.GetServices<IHostedService>().OfType<PublicationLoop>().Single();

    /// <summary>
    /// A deadline for calls made after the clock moved. The platform's status interceptor refuses a
    /// call whose deadline is past on the service's clock, which here runs ahead of the real one.
    /// </summary>
    public DateTime Deadline => Clock.GetUtcNow().UtcDateTime + TimeSpan.FromSeconds(30);

    protected override void Configure(WebApplicationBuilder builder) => builder.Services.AddSingleton<TimeProvider>(Clock);

    /// <summary>A completed order of its own Gig, reviewed by its buyer (pending publication).</summary>
    public async Task<(string Order, string Gig, string Buyer)> PendingReviewAsync()
    {
        var ids = OrderEvents.NewIds();
        var completed = OrderEvents.Completed(OrderEvents.Placed(ids.Order, ids.Gig, ids.Buyer, ids.Seller));
        await DeliverAsync(new OrderCompleted { Order = completed }, completed);
        var pending = await Client.SubmitBuyerReviewAsync(new SubmitBuyerReviewRequest
        {
            RequestId = "r-1",
            OrderId = ids.Order,
            Ratings = new BuyerRatings { Overall = 4, Communication = 4, Quality = 4, ValueForMoney = 4, PrivateRating = 7 },
            Text = "Solid work, a bit slow.",
        }, As(ids.Buyer, CallerRole.Buyer));
        Assert.Equal(ReviewStatus.PendingPublication, pending.Status);
        return (ids.Order, ids.Gig, ids.Buyer);
    }
}

/// <summary>A buyer review the seller never answers is published when its window ends (SPEC 4), once.</summary>
public sealed class PublicationLoopTests(ClockedReviewsFixture fx) : IClassFixture<ClockedReviewsFixture>
{
    [Fact]
    public async Task A_pending_review_is_published_when_its_window_ends()
    {
        var review = await fx.PendingReviewAsync();

        fx.Clock.Advance(TimeSpan.FromDays(14));
        await Wait.UntilAsync(async () => RecordEvents(await fx.ReviewEventsAsync(review.Order)).Count >= 2, "the review is published");

        var events = RecordEvents(await fx.ReviewEventsAsync(review.Order));
        Assert.Equal([TypeOf(BuyerReviewSubmitted.Descriptor), TypeOf(ReviewPublished.Descriptor)], events.Select(e => e.Type));
        Assert.True(ReviewPublished.Parser.ParseJson(events[1].Data).BecauseWindowEnded);
        var listed = Assert.Single((await fx.Client.GetGigReviewsAsync(
            new GetGigReviewsRequest { GigId = review.Gig }, As(review.Buyer, CallerRole.Buyer), fx.Deadline)).Reviews);
        Assert.Equal(ReviewStatus.Published, listed.Status);
        Assert.Null(await fx.Db.SortedSetScoreAsync(ReviewKeys.PendingPublication, review.Order));
    }
}

/// <summary>An order whose publication keeps failing is parked for support; the others are published.</summary>
public sealed class ParkedPublicationTests(ClockedReviewsFixture fx) : IClassFixture<ClockedReviewsFixture>
{
    [Fact]
    public async Task A_review_that_keeps_failing_is_parked_while_the_others_are_published()
    {
        var good = await fx.PendingReviewAsync();
        var poisoned = await fx.PendingReviewAsync();
        var other = await fx.PendingReviewAsync();
        await fx.Db.HashSetAsync(ReviewKeys.Review(poisoned.Order), "buyer.submitted_at", "garbage");

        fx.Clock.Advance(TimeSpan.FromDays(14));
        foreach (var published in new[] { good, other })
        {
            await Wait.UntilAsync(async () => RecordEvents(await fx.ReviewEventsAsync(published.Order)).Count >= 2, $"{published.Order} is published");
        }

        // Each pass after the retry pause tries the poisoned order again, until it has failed often enough to be parked.
        for (var pass = 0; pass < 20 && !await fx.Db.HashExistsAsync(ReviewKeys.ParkedPublications, poisoned.Order); pass++)
        {
            fx.Clock.Advance(TimeSpan.FromMinutes(2));
            await fx.Loop.RunOnceAsync(CancellationToken.None);
        }

        var parked = await fx.Db.HashGetAsync(ReviewKeys.ParkedPublications, poisoned.Order);
        Assert.False(parked.IsNull, "the poisoned order is parked");
        Assert.Contains("review field 'buyer.submitted_at' has a bad value 'garbage'", (string)parked!, StringComparison.Ordinal);
        Assert.Null(await fx.Db.SortedSetScoreAsync(ReviewKeys.PendingPublication, poisoned.Order));
        Assert.Equal([TypeOf(BuyerReviewSubmitted.Descriptor)], RecordEvents(await fx.ReviewEventsAsync(poisoned.Order)).Select(e => e.Type));
        foreach (var published in new[] { good, other })
        {
            Assert.Null(await fx.Db.SortedSetScoreAsync(ReviewKeys.PendingPublication, published.Order));
            Assert.False(await fx.Db.HashExistsAsync(ReviewKeys.ParkedPublications, published.Order));
        }
    }
}
