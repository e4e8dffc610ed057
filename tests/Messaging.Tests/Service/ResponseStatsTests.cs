using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Marketplace.Contracts.Messaging.V1;
using Marketplace.EventBus;
using Marketplace.Hosting.Identity;
using Marketplace.Messaging.Background;
using Marketplace.Messaging.Store;
using Marketplace.Platform;
using Marketplace.Testing;
using Microsoft.Extensions.DependencyInjection;
using Xunit;
using static Marketplace.Clients.PlatformClients;
using static Marketplace.Testing.TestIdentity;

namespace Marketplace.Messaging.Tests.Service;

/// <summary>
/// Issue 12, hole 10: Messaging is the one computation of a seller's response rate. Every change
/// is published as messaging.response_stats_changed.v1 under the seller's id, and GetResponseStats
/// answers from the same computation.
/// </summary>
[Collection(MessagingServiceCollection.Name)]
public sealed class ResponseStatsTests(MessagingServiceFixture fx)
{
    [Fact]
    public async Task The_sellers_answer_publishes_the_new_stats_and_GetResponseStats_gives_the_same()
    {
        var (buyer, seller) = Parties();
        var started = await fx.StartAsync(Bearer(buyer, CallerRole.Buyer), new StartConversationRequest { RequestId = "c-1", CounterpartId = seller, Text = "Do you do logos?" });
        var answer = await fx.SendAsync(Bearer(seller, CallerRole.Seller), started.ConversationId, "m-1", "Yes, gladly.");

        var published = await StatsAsync(fx, seller, s => s.AnsweredWithinWindow == 1);

        Assert.Equal(seller, published.SellerId);
        Assert.Equal(1, published.BuyerOpenedConversations);
        Assert.Equal(1.0, published.ResponseRate);
        Assert.Equal(answer.Conversation.TotalSellerResponseTime, published.MeanResponseTime);
        var asked = await fx.Client.GetResponseStatsAsync(new GetResponseStatsRequest { SellerId = seller, AsOf = published.WindowEnd },
            Authorization(Bearer("anyone", CallerRole.Buyer))).ResponseAsync;
        Assert.Equal(1, published.Version);     // the seller's first published stats
        Assert.Equal(0, asked.Version);         // a computed answer, not a publication
        var expected = published.Clone();
        expected.Version = 0;
        Assert.Equal(expected, asked);
    }

    [Fact]
    public async Task A_seller_without_buyer_opened_conversations_has_no_rate()
    {
        var (buyer, seller) = Parties();
        await fx.StartAsync(Bearer(seller, CallerRole.Seller), new StartConversationRequest { RequestId = "c-1", CounterpartId = buyer, Text = "Hello, I saw your request." });

        var stats = await fx.Client.GetResponseStatsAsync(new GetResponseStatsRequest { SellerId = seller }, Authorization(Bearer("anyone", CallerRole.Buyer))).ResponseAsync;

        Assert.Equal(0, stats.BuyerOpenedConversations);
        Assert.False(stats.HasResponseRate);
    }

    /// <summary>Before: an as_of the window cannot be computed from failed inside the service (INTERNAL).</summary>
    [Theory]
    [InlineData(253_402_300_800L, 0)]          // 10000-01-01: not a valid Timestamp
    [InlineData(-62_135_596_800L + 86_400, 0)] // 0001-01-02: the 90-day window would start before year 1
    [InlineData(1_700_000_000L, -1)]           // negative nanos
    public async Task An_as_of_out_of_range_is_invalid_argument_naming_the_field(long seconds, int nanos)
    {
        var refused = await Assert.ThrowsAsync<RpcException>(() => fx.Client.GetResponseStatsAsync(
            new GetResponseStatsRequest { SellerId = "seller-1", AsOf = new Timestamp { Seconds = seconds, Nanos = nanos } },
            Authorization(Bearer("anyone", CallerRole.Buyer))).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);
        Assert.StartsWith("as_of must be", refused.Status.Detail, StringComparison.Ordinal);
    }

    /// <summary>
    /// The attack: while the seller is away, one buyer opens conversation after conversation. Counted
    /// each, six unanswered questions would take the seller's rate to 1 in 7; as the same inquiry
    /// asked again they count once, in the published stats and in GetResponseStats alike.
    /// </summary>
    [Fact]
    public async Task Attack_one_buyer_opening_many_conversations_while_the_seller_is_away_counts_once()
    {
        var (hostile, seller) = Parties();
        var other = OrderEvents.NewIds().Buyer;
        var opened = new List<string>();
        for (int i = 0; i < 6; i++)
        {
            var started = await fx.StartAsync(Bearer(hostile, CallerRole.Buyer),
                new StartConversationRequest { RequestId = $"h-{i}", CounterpartId = seller, Text = $"Hello? Still waiting ({i})." });
            opened.Add(started.ConversationId);
        }

        await fx.StartAsync(Bearer(other, CallerRole.Buyer), new StartConversationRequest { RequestId = "o-1", CounterpartId = seller, Text = "Do you do logos?" });

        var later = DateTimeOffset.UtcNow.AddHours(25);
        var asked = await fx.Client.GetResponseStatsAsync(new GetResponseStatsRequest { SellerId = seller, AsOf = Timestamp.FromDateTimeOffset(later) },
            Authorization(Bearer("anyone", CallerRole.Buyer))).ResponseAsync;
        Assert.Equal(2, asked.BuyerOpenedConversations);
        Assert.Equal(0, asked.AnsweredWithinWindow);

        using var loop = ActivatorUtilities.CreateInstance<ResponseStatsLoop>(fx.Host.Services, new ManualClock(later));
        await loop.RunOnceAsync(CancellationToken.None);
        var published = await StatsAsync(fx, seller, s => s.BuyerOpenedConversations > 0);
        Assert.Equal(2, published.BuyerOpenedConversations);
        Assert.Equal(0.0, published.ResponseRate);

        var followUps = new List<bool>();
        foreach (var id in opened)
        {
            followUps.Add((string?)await fx.Db.HashGetAsync(MessagingKeys.Conversation(id), "follow_up_inquiry") == "1");
        }

        Assert.Equal([false, true, true, true, true, true], followUps);
    }

    public static (string Buyer, string Seller) Parties()
    {
        var ids = OrderEvents.NewIds();
        return (ids.Buyer, ids.Seller);
    }

    /// <summary>The seller's published stats, oldest first.</summary>
    public static async Task<IReadOnlyList<ResponseStats>> PublishedAsync(MessagingServiceFixture fx, string sellerId) =>
        (await fx.MessagingEventsAsync(sellerId))
            .Where(e => e.Type == PlatformEvents.TypeOf(ResponseStatsChanged.Descriptor))
            .Select(e => ResponseStatsChanged.Parser.ParseJson(e.Data).Stats)
            .ToList();

    /// <summary>Waits for published stats of the seller that match, and returns the first such.</summary>
    public static async Task<ResponseStats> StatsAsync(MessagingServiceFixture fx, string sellerId, Func<ResponseStats, bool> match)
    {
        ResponseStats? found = null;
        await Wait.UntilAsync(async () => (found = (await PublishedAsync(fx, sellerId)).FirstOrDefault(match)) is not null, $"stats of {sellerId} published");
        return found!;
    }
}

/// <summary>A Messaging host whose response window is one second and whose response-rate period is three.</summary>
public sealed class FastResponseStatsFixture : MessagingServiceFixture
{
    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        [$"{MessagingOptions.Section}:{nameof(MessagingOptions.ResponseWindowHours)}"] = (1.0 / 3600).ToString("R", CultureInfo.InvariantCulture),
        [$"{MessagingOptions.Section}:{nameof(MessagingOptions.ResponseRatePeriodDays)}"] = (3.0 / 86400).ToString("R", CultureInfo.InvariantCulture),
        [$"{MessagingOptions.Section}:{nameof(MessagingOptions.SweepIntervalMs)}"] = "100",
    };
}

/// <summary>Issue 12, hole 10: changes that come with time alone are published too, by the service's own loop.</summary>
public sealed class ResponseStatsOverTimeTests(FastResponseStatsFixture fx) : IClassFixture<FastResponseStatsFixture>
{
    [Fact]
    public async Task A_question_left_unanswered_counts_once_its_window_passes_and_leaves_with_the_period()
    {
        var (buyer, seller) = ResponseStatsTests.Parties();
        await fx.StartAsync(Bearer(buyer, CallerRole.Buyer), new StartConversationRequest { RequestId = "c-1", CounterpartId = seller, Text = "Do you do logos?" });

        var missed = await ResponseStatsTests.StatsAsync(fx, seller, s => s.BuyerOpenedConversations == 1);
        Assert.Equal(0, missed.AnsweredWithinWindow);
        Assert.Equal(0.0, missed.ResponseRate);
        var gone = await ResponseStatsTests.StatsAsync(fx, seller, s => s.BuyerOpenedConversations == 0);
        Assert.False(gone.HasResponseRate);

        var published = await ResponseStatsTests.PublishedAsync(fx, seller);
        Assert.Equal([1, 0], published.Select(s => s.BuyerOpenedConversations));
        Assert.True(published[0].WindowEnd.ToDateTimeOffset() < published[1].WindowEnd.ToDateTimeOffset());
        var events = await fx.SettledEventsAsync(seller);
        Assert.All(events, e => Assert.Equal(seller, e.Subject));
    }
}
