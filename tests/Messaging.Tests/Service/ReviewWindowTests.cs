using Grpc.Core;
using Marketplace.Contracts.Messaging.V1;
using Marketplace.Contracts.Orders.V1;
using Marketplace.Contracts.Reviews.V1;
using Marketplace.Hosting.Identity;
using Marketplace.Platform;
using Xunit;
using static Marketplace.Clients.PlatformClients;
using static Marketplace.Testing.TestIdentity;

namespace Marketplace.Messaging.Tests.Service;

/// <summary>
/// Issue 12, hole 9: review requests follow the order's review window as Reviews reports it
/// (reviews.review_window_opened.v1 / reviews.review_window_closed.v1), 30-day categories
/// included, whatever order the events arrive in; Messaging keeps no window of its own.
/// </summary>
[Collection(MessagingServiceCollection.Name)]
public sealed class ReviewWindowTests(MessagingServiceFixture fx)
{
    private const string Polite = "Thanks for your order! If you have a moment, an honest review would help me.";

    [Fact]
    public async Task A_review_request_on_day_20_of_a_30_day_window_is_accepted()
    {
        var (ids, conversation) = await ConversationAsync();
        var completedAt = await CompleteAsync(ids, TimeSpan.FromDays(20));
        await fx.PublishAndSettleAsync(ReviewWindows.Opened(ids, completedAt, completedAt.AddDays(30)), ids.Order);

        var requested = await AskAsync(ids, conversation, "rr-1");

        Assert.NotNull(requested.Conversation.ReviewRequestedAt);
        Assert.Equal(PlatformEvents.TypeOf(ReviewRequested.Descriptor), (await fx.EventsAsync(conversation, 2))[1].Type);
    }

    [Theory]
    [InlineData(ReviewWindowCloseReason.Ended, "review window of order")]
    [InlineData(ReviewWindowCloseReason.Reviewed, "the buyer has reviewed it")]
    [InlineData(ReviewWindowCloseReason.Revoked, "support revoked")]
    public async Task A_review_request_after_the_window_closed_is_refused_naming_the_rule(ReviewWindowCloseReason reason, string rule)
    {
        var (ids, conversation) = await ConversationAsync();
        var completedAt = await CompleteAsync(ids, TimeSpan.FromHours(1));
        await fx.PublishAndSettleAsync(ReviewWindows.Opened(ids, completedAt, completedAt.AddDays(14)), ids.Order);
        await fx.PublishAndSettleAsync(ReviewWindows.Closed(ids, reason, DateTimeOffset.UtcNow), ids.Order);

        await AssertRefusedAsync(ids, conversation, "can no longer be reviewed", rule);
    }

    [Fact]
    public async Task A_review_request_after_the_windows_end_is_refused_before_the_closing_event_arrives()
    {
        var (ids, conversation) = await ConversationAsync();
        var completedAt = await CompleteAsync(ids, TimeSpan.FromDays(10));
        await fx.PublishAndSettleAsync(ReviewWindows.Opened(ids, completedAt, completedAt.AddDays(7)), ids.Order);

        await AssertRefusedAsync(ids, conversation, "can no longer be reviewed", "ended at");
    }

    [Fact]
    public async Task A_review_request_before_Reviews_reported_a_window_is_refused()
    {
        var (ids, conversation) = await ConversationAsync();
        await CompleteAsync(ids, TimeSpan.FromHours(1));

        await AssertRefusedAsync(ids, conversation, "has no open review window", "Reviews has not reported");
    }

    [Fact]
    public async Task A_window_that_opens_before_the_completion_arrives_is_kept()
    {
        var (ids, conversation) = await ConversationAsync();
        var completed = OrderEvents.Completed(OrderEvents.Placed(ids.Order, ids.Buyer, ids.Seller), TimeSpan.FromDays(2));
        var completedAt = completed.CompletedAt.ToDateTimeOffset();
        await fx.PublishAndSettleAsync(ReviewWindows.Opened(ids, completedAt, completedAt.AddDays(30)), ids.Order);
        await fx.DeliverAsync(new OrderCompleted { Order = completed }, completed);

        var requested = await AskAsync(ids, conversation, "rr-1");

        Assert.NotNull(requested.Conversation.ReviewRequestedAt);
    }

    [Fact]
    public async Task A_close_that_arrives_before_the_opening_keeps_the_window_closed()
    {
        var (ids, conversation) = await ConversationAsync();
        var completedAt = await CompleteAsync(ids, TimeSpan.FromHours(1));
        await fx.PublishAndSettleAsync(ReviewWindows.Closed(ids, ReviewWindowCloseReason.Reviewed, DateTimeOffset.UtcNow), ids.Order);
        await fx.PublishAndSettleAsync(ReviewWindows.Opened(ids, completedAt, completedAt.AddDays(14)), ids.Order);

        await AssertRefusedAsync(ids, conversation, "can no longer be reviewed", "the buyer has reviewed it");
    }

    private async Task<((string Order, string Buyer, string Seller) Ids, string Conversation)> ConversationAsync()
    {
        var ids = OrderEvents.NewIds();
        var placed = OrderEvents.Placed(ids.Order, ids.Buyer, ids.Seller);
        await fx.DeliverAsync(new OrderPlaced { Order = placed }, placed);
        var started = await fx.StartAsync(Bearer(ids.Buyer, CallerRole.Buyer),
            new StartConversationRequest { RequestId = "c-1", OrderId = ids.Order, CounterpartId = ids.Seller, Text = "Can you use blue?" });
        return (ids, started.ConversationId);
    }

    private async Task<DateTimeOffset> CompleteAsync((string Order, string Buyer, string Seller) ids, TimeSpan ago)
    {
        var completed = OrderEvents.Completed(OrderEvents.Placed(ids.Order, ids.Buyer, ids.Seller), ago);
        await fx.DeliverAsync(new OrderCompleted { Order = completed }, completed);
        return completed.CompletedAt.ToDateTimeOffset();
    }

    private Task<SendMessageResponse> AskAsync((string Order, string Buyer, string Seller) ids, string conversation, string requestId) =>
        fx.Client.SendReviewRequestAsync(new SendReviewRequestRequest { RequestId = requestId, ConversationId = conversation, Text = Polite },
            Authorization(Bearer(ids.Seller, CallerRole.Seller))).ResponseAsync;

    private async Task AssertRefusedAsync((string Order, string Buyer, string Seller) ids, string conversation, params string[] fragments)
    {
        var before = await fx.StateAsync(ids.Order, conversation);
        var refused = await Assert.ThrowsAsync<RpcException>(() => AskAsync(ids, conversation, "rr-1"));
        Assert.Equal(StatusCode.FailedPrecondition, refused.StatusCode);
        foreach (var fragment in fragments)
        {
            Assert.Contains(fragment, refused.Status.Detail, StringComparison.Ordinal);
        }

        Assert.Equal(before, await fx.StateAsync(ids.Order, conversation));
    }
}
