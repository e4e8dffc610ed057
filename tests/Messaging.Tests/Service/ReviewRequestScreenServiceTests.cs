using Grpc.Core;
using Marketplace.Contracts.Messaging.V1;
using Marketplace.Contracts.Orders.V1;
using Marketplace.Hosting.Identity;
using Xunit;
using static Marketplace.Clients.PlatformClients;
using static Marketplace.Testing.TestIdentity;

namespace Marketplace.Messaging.Tests.Service;

/// <summary>
/// Issue 12, hole 8: a seller tries to buy a good review, or to ask for a particular rating, in
/// the languages of the marketplace's markets (the seeds: English, Dutch, French, Arabic). Every
/// attempt is FAILED_PRECONDITION naming the rule, as the proto documents, and changes nothing;
/// a plain, polite request in each language goes through.
/// </summary>
[Collection(MessagingServiceCollection.Name)]
public sealed class ReviewRequestScreenServiceTests(MessagingServiceFixture fx)
{
    public const string OfferRule = "a review request must not offer anything in exchange for a review";
    public const string RatingRule = "a review request must not ask for a particular rating";

    [Theory]
    [InlineData("Leave a review and I'll give you a 20% discount on your next order.", OfferRule)]
    [InlineData("Please leave me a 5-star review!", RatingRule)]
    [InlineData("Laat een review achter en je krijgt 20% korting op je volgende bestelling.", OfferRule)]
    [InlineData("Zou je me vijf sterren willen geven?", RatingRule)]
    [InlineData("Laissez un avis et recevez une réduction de 20 % sur votre prochaine commande.", OfferRule)]
    [InlineData("Merci de me laisser un avis 5 étoiles !", RatingRule)]
    [InlineData("اترك تقييما واحصل على خصم 20% على طلبك القادم.", OfferRule)]
    [InlineData("أرجو أن تمنحني تقييم خمس نجوم.", RatingRule)]
    public async Task An_offer_or_a_rating_ask_is_refused_in_each_market_language(string text, string rule)
    {
        var (ids, conversation) = await ReviewableAsync();
        var before = await fx.StateAsync(ids.Order, conversation);

        var refused = await Assert.ThrowsAsync<RpcException>(() => AskAsync(ids, conversation, text));

        Assert.Equal(StatusCode.FailedPrecondition, refused.StatusCode);
        Assert.Contains(rule, refused.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(before, await fx.StateAsync(ids.Order, conversation));
    }

    [Theory]
    [InlineData("Thanks for your order! If you have a moment, an honest review would help me. Feel free to ask if anything is unclear.")]
    [InlineData("Bedankt voor je bestelling! Als je even tijd hebt, zou een eerlijke review me enorm helpen.")]
    [InlineData("Merci pour votre commande ! Si vous avez un moment, un avis honnête m'aiderait beaucoup.")]
    [InlineData("أتفهم انشغالك، لكن التقييم ساعدني كثيرا في بيع خدماتي لمشترين آخرين، ولن يكلفك ذلك أي وقت، وسأكون ممتنا إذا فعلت ذلك.")]
    public async Task A_plain_request_in_each_market_language_is_sent(string text)
    {
        var (ids, conversation) = await ReviewableAsync();

        var sent = await AskAsync(ids, conversation, text);

        Assert.Equal(text, sent.Message.Text);
        Assert.NotNull(sent.Conversation.ReviewRequestedAt);
    }

    private Task<SendMessageResponse> AskAsync((string Order, string Buyer, string Seller) ids, string conversation, string text) =>
        fx.Client.SendReviewRequestAsync(new SendReviewRequestRequest { RequestId = "rr-1", ConversationId = conversation, Text = text },
            Authorization(Bearer(ids.Seller, CallerRole.Seller))).ResponseAsync;

    /// <summary>A completed order in its review window, with its conversation.</summary>
    private async Task<((string Order, string Buyer, string Seller) Ids, string Conversation)> ReviewableAsync()
    {
        var ids = OrderEvents.NewIds();
        var placed = OrderEvents.Placed(ids.Order, ids.Buyer, ids.Seller);
        await fx.DeliverAsync(new OrderPlaced { Order = placed }, placed);
        var started = await fx.StartAsync(Bearer(ids.Buyer, CallerRole.Buyer),
            new StartConversationRequest { RequestId = "c-1", OrderId = ids.Order, CounterpartId = ids.Seller, Text = "Can you use blue?" });
        var completed = OrderEvents.Completed(placed, TimeSpan.FromHours(1));
        await fx.DeliverAsync(new OrderCompleted { Order = completed }, completed);
        var completedAt = completed.CompletedAt.ToDateTimeOffset();
        await fx.PublishAndSettleAsync(ReviewWindows.Opened(ids, completedAt, completedAt.AddDays(14)), ids.Order);
        return (ids, started.ConversationId);
    }
}

/// <summary>A Messaging host whose screen has a German list added in configuration.</summary>
public sealed class GermanScreenFixture : MessagingServiceFixture
{
    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Messaging:ReviewRequestScreen:de:Offers:0"] = "Rabatt*",
        ["Messaging:ReviewRequestScreen:de:Offers:1"] = "gratis",
        ["Messaging:ReviewRequestScreen:de:RatingRequests:0"] = "fünf Sterne",
        ["Messaging:ReviewRequestScreen:de:RatingRequests:1"] = "5 Sterne",
    };
}

/// <summary>Issue 12, hole 8: the screen's terms are configuration; an operator adds a market's language without a code change.</summary>
public sealed class ConfiguredScreenTests(GermanScreenFixture fx) : IClassFixture<GermanScreenFixture>
{
    [Theory]
    [InlineData("Für eine Bewertung bekommst du 20 % Rabatt auf die nächste Bestellung.", ReviewRequestScreenServiceTests.OfferRule)]
    [InlineData("Bitte gib mir fünf Sterne!", ReviewRequestScreenServiceTests.RatingRule)]
    [InlineData("Leave a review and get a FREE logo.", ReviewRequestScreenServiceTests.OfferRule)]
    public async Task A_configured_language_is_screened_beside_the_default_ones(string text, string rule)
    {
        var ids = OrderEvents.NewIds();
        var placed = OrderEvents.Placed(ids.Order, ids.Buyer, ids.Seller);
        await fx.DeliverAsync(new OrderPlaced { Order = placed }, placed);
        var started = await fx.StartAsync(Bearer(ids.Buyer, CallerRole.Buyer),
            new StartConversationRequest { RequestId = "c-1", OrderId = ids.Order, CounterpartId = ids.Seller, Text = "Kannst du Blau nehmen?" });
        var completed = OrderEvents.Completed(placed, TimeSpan.FromHours(1));
        await fx.DeliverAsync(new OrderCompleted { Order = completed }, completed);
        var completedAt = completed.CompletedAt.ToDateTimeOffset();
        await fx.PublishAndSettleAsync(ReviewWindows.Opened(ids, completedAt, completedAt.AddDays(14)), ids.Order);
        var before = await fx.StateAsync(ids.Order, started.ConversationId);

        var refused = await Assert.ThrowsAsync<RpcException>(() => fx.Client.SendReviewRequestAsync(
            new SendReviewRequestRequest { RequestId = "rr-1", ConversationId = started.ConversationId, Text = text },
            Authorization(Bearer(ids.Seller, CallerRole.Seller))).ResponseAsync);

        Assert.Equal(StatusCode.FailedPrecondition, refused.StatusCode);
        Assert.Contains(rule, refused.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(before, await fx.StateAsync(ids.Order, started.ConversationId));
    }
}
