using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Marketplace.Contracts.Common.V1;
using Marketplace.Contracts.Messaging.V1;
using Marketplace.Contracts.Orders.V1;
using Marketplace.Contracts.Reviews.V1;
using Marketplace.Contracts.Scoring.V1;
using Marketplace.EventBus.Redis;
using Marketplace.Hosting.Identity;
using Marketplace.Testing;
using StackExchange.Redis;
using Xunit;
using static Marketplace.Clients.PlatformClients;

namespace Marketplace.Platform.Tests;

/// <summary>
/// docs/scoring.md, "Worked example": the thirteen orders of its story driven through the four running
/// services as their buyers and sellers would drive them, on one clock the test moves through the story's
/// four days, then Scoring's answers compared with the figures the page computes by hand. The expected
/// numbers are the page's, written here as literals, never computed with the engine: a wrong rule in the
/// engine fails this test. Numbers the page shows with four decimals are compared within half a unit of
/// the fourth decimal; scores, percentiles, counts and flags exactly.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class WorkedExampleTests(RedisFixture redis)
{
    /// <summary>Half a unit of the fourth decimal, the precision the page shows its indices, means, qualities and impacts with.</summary>
    private const double Shown = 0.00005;

    private const string AnaLogo = "gig-ana-logo";
    private const string BoLogo = "gig-bo-logo";
    private const string BoMascot = "gig-bo-mascot";
    private const string Ana = "seller-ana";
    private const string Bo = "seller-bo";

    private static IReadOnlyList<string> Apps => BusSettled.Apps;

    [Fact]
    public async Task The_worked_example_of_the_scoring_page_holds_through_the_four_services()
    {
        await redis.FlushAsync();
        // The story starts now, on a whole second: the services keep some times in whole milliseconds, and a
        // wait due exactly at a story moment must be due when the clock stands at that moment.
        var now = DateTimeOffset.UtcNow;
        var clock = new StoryClock(now.AddTicks(-(now.UtcTicks % TimeSpan.TicksPerSecond)));
        var settings = new Dictionary<string, string?>
        {
            ["Messaging:SweepIntervalMs"] = "50",             // a silent buyer is marked as soon as the clock reaches the 24 h
            ["Scoring:EvaluationIntervalMinutes"] = "10080",  // no daily evaluation inside the story's four days: the test runs the one that counts
        };
        await using var ordersHost = await Services.OrdersAsync(redis.ConnectionString, settings, clock);
        await using var reviewsHost = await Services.ReviewsAsync(redis.ConnectionString, settings, clock);
        await using var messagingHost = await Services.MessagingAsync(redis.ConnectionString, settings, clock);
        await using var scoringHost = await Services.ScoringAsync(redis.ConnectionString, settings, clock);
        var story = new Story(ordersHost, reviewsHost, messagingHost, clock);
        var scoring = scoringHost.Client<ScoringService.ScoringServiceClient>();
        var support = Authorization(TestIdentity.Bearer("support-worked-example", CallerRole.Support));

        // Day 0: twelve orders; all but B4 and C4 get their requirements and are started.
        await story.PlaceAsync("A1", AnaLogo, Ana, 300, dueDay: 3);
        await story.PlaceAsync("A2", AnaLogo, Ana, 120, dueDay: 3);
        await story.PlaceAsync("A3", AnaLogo, Ana, 120, dueDay: 2);
        foreach (var order in new[] { "B1", "B2", "B3", "B4" })
        {
            await story.PlaceAsync(order, BoLogo, Bo, 120, dueDay: 3);
        }

        await story.PlaceAsync("C1", BoMascot, Bo, 120, dueDay: 2);
        await story.PlaceAsync("C2", BoMascot, Bo, 120, dueDay: 2);
        await story.PlaceAsync("C3", BoMascot, Bo, 120, dueDay: 6);
        await story.PlaceAsync("C4", BoMascot, Bo, 120, dueDay: 3);
        await story.PlaceAsync("C5", BoMascot, Bo, 120, dueDay: 3);
        foreach (var order in new[] { "A1", "A2", "A3", "B1", "B2", "B3", "C1", "C2", "C3", "C5" })
        {
            await story.StartAsync(order);
        }

        // The refusals of the story: each a FAILED_PRECONDITION naming the rule, and the order goes on unchanged.
        var notLate = await RefusedAsync(story.CancelAsync("C2", story.Buyer("C2"), CancellationReason.Other));
        Assert.Contains("a buyer cancels a running order alone only once it is late", notLate, StringComparison.Ordinal);
        var submitted = await RefusedAsync(story.CancelAsync("C3", story.Seller(Bo), CancellationReason.MissingRequirements));
        Assert.Contains("holds only while the requirements were never submitted", submitted, StringComparison.Ordinal);
        var unmarked = await RefusedAsync(story.CancelAsync("B4", story.Seller(Bo), CancellationReason.BuyerUnresponsive));
        Assert.Contains("needs a buyer-unresponsive mark from Messaging", unmarked, StringComparison.Ordinal);
        Assert.Equal(OrderState.InProgress, (await story.GetOrderAsync("C2")).State);
        Assert.Equal(OrderState.InProgress, (await story.GetOrderAsync("C3")).State);
        Assert.Equal(OrderState.Placed, (await story.GetOrderAsync("B4")).State);

        await SettledAsync("Messaging knows the orders");
        await story.AskAsync("B4", Bo, "Hello! Please send me the requirements (name, colours) so I can start.");

        // Day 1: B4's buyer has been silent for 24 h: Messaging marks him and Orders learns it.
        story.MoveTo(1);
        await Wait.UntilAsync(async () => (await story.GetOrderAsync("B4")).BuyerUnresponsiveMarks == 1, "Orders learns Messaging's mark on B4");

        // Day 1½: five on-time deliveries.
        story.MoveTo(1.5);
        foreach (var order in new[] { "A1", "A2", "B1", "B2", "C5" })
        {
            await story.DeliverAsync(order);
        }

        // Day 2½: A3 is half a day late; Ana needs an answer from its buyer to finish it.
        story.MoveTo(2.5);
        var question = await story.AskAsync("A3", Ana, "Which of your two slogans should go under the logo?");

        // Day 3½: A3's buyer has been silent for 24 h: marked. C1 is delivered 1½ days late; its buyer asks
        // for 30 USD back and Bo refuses: a dispute.
        story.MoveTo(3.5);
        await Wait.UntilAsync(async () => (await story.ConversationAsync(question, Ana)).BuyerUnresponsiveCount == 1, "Messaging marks A3's silent buyer");
        await story.DeliverAsync("C1");
        await story.DisputeAsync("C1", refundUsd: 30);

        // Day 3¾: A3 and B3 are delivered; A4 is placed.
        story.MoveTo(3.75);
        await story.DeliverAsync("A3");
        await story.DeliverAsync("B3");
        await story.PlaceAsync("A4", AnaLogo, Ana, 120, dueDay: 6.75);

        // Day 4: every outcome.
        story.MoveTo(4);
        foreach (var order in new[] { "A1", "A2", "A3", "B1", "B2", "B3", "C1", "C5" })
        {
            await story.AcceptAsync(order);
        }

        await story.CancelAsync("A4", story.Buyer("A4"), CancellationReason.PlacedByMistake);
        await story.CancelAsync("B4", story.Seller(Bo), CancellationReason.BuyerUnresponsive);
        await story.CancelAsync("C2", story.Buyer("C2"), CancellationReason.LateDelivery);
        await story.CancelAsync("C3", story.Seller(Bo), CancellationReason.SellerUnableToDeliver);
        await story.CancelAsync("C4", story.Seller(Bo), CancellationReason.MissingRequirements);
        await SettledAsync("Reviews knows the completions");

        // The reviews, also on day 4; the seller reviews the buyer back (which publishes the review) except on B2.
        await story.ReviewAsync("A1", Ana, Ratings(5, 5, 5, 5, recommend: true, privateRating: 10), sellerReviewsBack: true);
        await story.ReviewAsync("A2", Ana, Ratings(4, 5, 4, 4, recommend: true, privateRating: null), sellerReviewsBack: true);
        await story.ReviewAsync("A3", Ana, Ratings(5, 4, 5, 5, recommend: true, privateRating: 10), sellerReviewsBack: true);
        await story.ReviewAsync("B2", Bo, Ratings(1, 1, 1, 1, recommend: false, privateRating: 0), sellerReviewsBack: false);
        await story.ReviewAsync("B3", Bo, Ratings(3, 4, 3, 3, recommend: false, privateRating: 6), sellerReviewsBack: true);
        await story.ReviewAsync("C1", Bo, Ratings(2, 2, 2, 1, recommend: false, privateRating: 2), sellerReviewsBack: true);
        await story.ReviewAsync("C5", Bo, Ratings(4, 4, 4, 4, recommend: true, privateRating: 7), sellerReviewsBack: true);
        await SettledAsync("Scoring has every order, review and conversation");

        // The story's facts as the services recorded them (the page's story and step 2).
        var a3 = await story.GetOrderAsync("A3");
        Assert.Equal(TimeSpan.FromDays(1.75), a3.Lateness.ToTimeSpan());
        Assert.Equal(TimeSpan.FromDays(1.25), (await story.ConversationAsync(question, Ana)).BuyerUnresponsiveWait.ToTimeSpan());
        Assert.Equal(TimeSpan.FromDays(0.75), (await story.GetOrderAsync("B3")).Lateness.ToTimeSpan());
        Assert.Equal(1, (await story.GetOrderAsync("C1")).DisputeCount);
        Assert.Equal(ReviewStatus.PendingPublication, (await story.ReviewOfAsync("B2", Bo)).Status);
        Assert.Equal(ReviewStatus.Published, (await story.ReviewOfAsync("A2", Ana)).Status);

        // The daily evaluation: each peer group's means snapshot, then every seller's level and flag.
        var run = await scoring.RunEvaluationAsync(new RunEvaluationRequest { RequestId = "worked-example" }, support);
        Assert.Equal((2, 6), (run.PeerGroups, run.GigsRanked)); // the three Gigs in the band [100,250) and in (that band, logo-design)

        // Steps 4 to 6: each Gig's score, quality and areas, most helpful first: (area, index after shrinkage, peer mean, impact).
        AssertGig(await scoring.GetGigScoreAsync(new GetGigScoreRequest { GigId = AnaLogo }, support),
            AnaLogo, Ana, score: 10.0, percentile: 1.0, quality: 0.8575, scoredOrders: 3,
            (Area.ValueForMoney, 0.7108, 0.5696, +0.0212),
            (Area.OnTimeDelivery, 0.7366, 0.6709, +0.0099),
            (Area.Satisfaction, 0.8886, 0.8547, +0.0085),
            (Area.Cancellations, 0.9089, 0.8542, +0.0082),
            (Area.ConflictFree, 0.9479, 0.9167, +0.0047),
            (Area.Communication, 0.9314, 0.9179, +0.0020));
        AssertGig(await scoring.GetGigScoreAsync(new GetGigScoreRequest { GigId = BoLogo }, support),
            BoLogo, Bo, score: 5.5, percentile: 0.5, quality: 0.8235, scoredOrders: 3,
            (Area.OnTimeDelivery, 0.7318, 0.6709, +0.0091),
            (Area.Cancellations, 0.9089, 0.8542, +0.0082),
            (Area.ConflictFree, 0.9479, 0.9167, +0.0047),
            (Area.Satisfaction, 0.8630, 0.8547, +0.0021),
            (Area.Communication, 0.9300, 0.9179, +0.0018),
            (Area.ValueForMoney, 0.5330, 0.5696, -0.0055));
        AssertGig(await scoring.GetGigScoreAsync(new GetGigScoreRequest { GigId = BoMascot }, support),
            BoMascot, Bo, score: 1.0, percentile: 0.0, quality: 0.7298, scoredOrders: 4,
            (Area.Communication, 0.8877, 0.9179, -0.0045),
            (Area.ValueForMoney, 0.5247, 0.5696, -0.0067),
            (Area.ConflictFree, 0.8426, 0.9167, -0.0111),
            (Area.Satisfaction, 0.8049, 0.8547, -0.0125),
            (Area.OnTimeDelivery, 0.5443, 0.6709, -0.0190),
            (Area.Cancellations, 0.7245, 0.8542, -0.0194));

        // Step 7: the freelancers, their flags and levels.
        var ana = await scoring.GetSellerScoreAsync(new GetSellerScoreRequest { SellerId = Ana }, support);
        Assert.Equal((true, 10.0, 3, false), (ana.HasScore, ana.SuccessScore, ana.ScoredOrders, ana.LowPerformance));
        Assert.Equal(new[] { (AnaLogo, 10.0, 3) }, ana.Gigs.Select(g => (g.GigId, g.SuccessScore, g.OrderCount)));
        var bo = await scoring.GetSellerScoreAsync(new GetSellerScoreRequest { SellerId = Bo }, support);
        Assert.Equal((true, 2.9, 7, true), (bo.HasScore, bo.SuccessScore, bo.ScoredOrders, bo.LowPerformance));
        Assert.Equal(new[] { (BoLogo, 5.5, 3), (BoMascot, 1.0, 4) }, bo.Gigs.Select(g => (g.GigId, g.SuccessScore, g.OrderCount)));

        var flags = (await TopicHistory.ReadAsync(redis.Server.Admin.GetDatabase(), PlatformEvents.Topics.Scoring))
            .Where(e => e.Event.Type == PlatformEvents.TypeOf(LowPerformanceChanged.Descriptor))
            .Select(e => (e.Event.Subject, Flag: LowPerformanceChanged.Parser.ParseJson(e.Event.Data)))
            .ToList();
        Assert.Contains(flags, f => f.Subject == Bo);
        Assert.True(flags.Last(f => f.Subject == Bo).Flag.NewFlagged);   // search ranking learns that Bo is flagged
        Assert.DoesNotContain(flags, f => f.Subject == Ana && f.Flag.NewFlagged);

        var anaLevel = await scoring.GetSellerLevelAsync(new GetSellerLevelRequest { SellerId = Ana }, story.Seller(Ana));
        Assert.Equal(SellerLevelKind.NewSeller, anaLevel.Level);
        Assert.Equal((10.0, 3, 3, 54_000L), (anaLevel.Metrics.SuccessScore, anaLevel.Metrics.CompletedOrders, anaLevel.Metrics.UniqueClients, anaLevel.Metrics.Earnings.AmountMinor));
        Assert.Equal(14 / 3.0, anaLevel.Metrics.Rating, Shown);
        Assert.False(anaLevel.Metrics.HasResponseRate);
        Assert.Equal(new[] { "Level1 completed orders: 3, needs ≥ 5" }, anaLevel.UnmetCriteria);

        var boLevel = await scoring.GetSellerLevelAsync(new GetSellerLevelRequest { SellerId = Bo }, story.Seller(Bo));
        Assert.Equal(SellerLevelKind.NewSeller, boLevel.Level);
        Assert.Equal((2.9, 3.0, 5, 5, 60_000L), (boLevel.Metrics.SuccessScore, boLevel.Metrics.Rating, boLevel.Metrics.CompletedOrders, boLevel.Metrics.UniqueClients, boLevel.Metrics.Earnings.AmountMinor));
        Assert.Collection(boLevel.UnmetCriteria,
            c => Assert.StartsWith("Level1 success score: ", c, StringComparison.Ordinal),
            c => Assert.StartsWith("Level1 rating: ", c, StringComparison.Ordinal));

        // Nothing was dropped on the way: no event and no publication went to a dead letter.
        var db = redis.Server.Admin.GetDatabase();
        foreach (var app in Apps)
        {
            Assert.False(await db.KeyExistsAsync(app + ".deadletter"), $"{app} dead-lettered an event");
            Assert.False(await db.KeyExistsAsync(app + ":outbox.deadletter"), $"{app} parked a publication");
        }
    }

    private static BuyerRatings Ratings(int overall, int communication, int quality, int value, bool recommend, int? privateRating)
    {
        var ratings = new BuyerRatings { Overall = overall, Communication = communication, Quality = quality, ValueForMoney = value, WouldRecommend = recommend };
        if (privateRating is { } p)
        {
            ratings.PrivateRating = p;
        }

        return ratings;
    }

    private static void AssertGig(
        GigScore gig, string gigId, string sellerId, double score, double percentile, double quality, int scoredOrders,
        params (Area Area, double Index, double PeerMean, double Impact)[] areasMostHelpfulFirst)
    {
        Assert.Equal((gigId, sellerId, true), (gig.GigId, gig.SellerId, gig.HasScore));
        Assert.Equal(score, gig.SuccessScore);
        Assert.Equal(percentile, gig.Percentile);
        Assert.Equal(quality, gig.Quality, Shown);
        Assert.Equal((scoredOrders, 3), (gig.ScoredOrders, gig.MinScoredOrders));
        Assert.Equal(("[100,250)", "", 3), (gig.PeerGroup.PriceRange, gig.PeerGroup.Category, gig.PeerGroup.GigCount));
        Assert.Equal(areasMostHelpfulFirst.Select(a => a.Area), gig.Areas.Select(a => a.Area));
        foreach (var (expected, actual) in areasMostHelpfulFirst.Zip(gig.Areas))
        {
            Assert.Equal(expected.Index, actual.Index, Shown);
            Assert.Equal(expected.PeerMean, actual.PeerMean, Shown);
            Assert.Equal(expected.Area == Area.Satisfaction ? 0.25 : 0.15, actual.Weight, 1e-12);
            Assert.Equal(expected.Impact, actual.Impact, Shown);
        }
    }

    private static async Task<string> RefusedAsync(Task call)
    {
        var refused = await Assert.ThrowsAsync<RpcException>(() => call);
        Assert.Equal(StatusCode.FailedPrecondition, refused.StatusCode);
        return refused.Status.Detail;
    }

    private Task SettledAsync(string what) => BusSettled.WaitAsync(redis.Server.Admin.GetDatabase(), what);

    /// <summary>
    /// The story's clock, shared by the four services: it stands at the moment the test last moved it to,
    /// so every step of a story moment happens at exactly that moment and the page's figures hold exactly.
    /// Only moves forward.
    /// </summary>
    private sealed class StoryClock(DateTimeOffset start) : TimeProvider
    {
        private long _ticks = start.UtcTicks;

        public DateTimeOffset Start { get; } = start;

        public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _ticks), TimeSpan.Zero);

        public void MoveTo(DateTimeOffset moment)
        {
            Assert.True(moment.UtcTicks >= Interlocked.Read(ref _ticks), "the story's clock only moves forward");
            Interlocked.Exchange(ref _ticks, moment.UtcTicks);
        }
    }

    /// <summary>The story's parties and their moves, each one RPC made as the buyer or seller would make it.</summary>
    private sealed class Story(ServiceHost orders, ServiceHost reviews, ServiceHost messaging, StoryClock clock)
    {
        private readonly OrdersService.OrdersServiceClient _orders = orders.Client<OrdersService.OrdersServiceClient>();
        private readonly ReviewsService.ReviewsServiceClient _reviews = reviews.Client<ReviewsService.ReviewsServiceClient>();
        private readonly MessagingService.MessagingServiceClient _messaging = messaging.Client<MessagingService.MessagingServiceClient>();
        private readonly Dictionary<string, string> _ids = [];
        private readonly Dictionary<string, string> _sellers = [];
        private int _requests;

        /// <summary>Moves the clock to <paramref name="day"/> days after the story's start.</summary>
        public void MoveTo(double day) => clock.MoveTo(Day(day));

        public DateTimeOffset Day(double day) => clock.Start + TimeSpan.FromDays(day);

        /// <summary>Each order of the story has its own buyer ("buyer-a1" for A1).</summary>
        public Metadata Buyer(string order) => As("buyer-" + order.ToLowerInvariant(), CallerRole.Buyer);

        public Metadata Seller(string sellerId) => As(sellerId, CallerRole.Seller);

        public async Task PlaceAsync(string order, string gigId, string sellerId, int usd, double dueDay)
        {
            var placed = await _orders.PlaceOrderAsync(new PlaceOrderRequest
            {
                RequestId = NextRequest(),
                GigId = gigId,
                SellerId = sellerId,
                Category = "logo-design",
                Amount = new Money { CurrencyCode = "USD", AmountMinor = usd * 100L },
                DueAt = Timestamp.FromDateTimeOffset(Day(dueDay)),
            }, Buyer(order));
            _ids[order] = placed.OrderId;
            _sellers[order] = sellerId;
        }

        /// <summary>The buyer sends the requirements and the seller starts work.</summary>
        public async Task StartAsync(string order)
        {
            await _orders.SubmitRequirementsAsync(new SubmitRequirementsRequest
            {
                RequestId = NextRequest(), OrderId = _ids[order], Requirements = "The name, two slogans and our colours: navy and sand.",
            }, Buyer(order));
            await _orders.StartWorkAsync(new StartWorkRequest { RequestId = NextRequest(), OrderId = _ids[order] }, Seller(_sellers[order]));
        }

        public Task DeliverAsync(string order) =>
            _orders.DeliverOrderAsync(new DeliverOrderRequest { RequestId = NextRequest(), OrderId = _ids[order], Message = "Here it is." }, Seller(_sellers[order])).ResponseAsync;

        public Task AcceptAsync(string order) =>
            _orders.AcceptDeliveryAsync(new AcceptDeliveryRequest { RequestId = NextRequest(), OrderId = _ids[order] }, Buyer(order)).ResponseAsync;

        public Task<Contracts.Orders.V1.Order> CancelAsync(string order, Metadata caller, CancellationReason reason) =>
            _orders.CancelOrderAsync(new CancelOrderRequest { RequestId = NextRequest(), OrderId = _ids[order], Reason = reason, Note = "worked example" }, caller).ResponseAsync;

        /// <summary>The buyer asks for part of the price back in the Resolution Center; the seller refuses, which opens a dispute.</summary>
        public async Task DisputeAsync(string order, int refundUsd)
        {
            var opened = await _orders.OpenResolutionAsync(new OpenResolutionRequest
            {
                RequestId = NextRequest(),
                OrderId = _ids[order],
                Kind = ResolutionKind.PartialRefund,
                Refund = new Money { CurrencyCode = "USD", AmountMinor = refundUsd * 100L },
                Message = "It came late; I would like part of the price back.",
            }, Buyer(order));
            await _orders.RespondToResolutionAsync(new RespondToResolutionRequest
            {
                RequestId = NextRequest(), OrderId = _ids[order], ResolutionId = opened.Resolutions.Last().ResolutionId, Accept = false, Message = "No, sorry.",
            }, Seller(_sellers[order]));
        }

        public Task<Contracts.Orders.V1.Order> GetOrderAsync(string order) =>
            _orders.GetOrderAsync(new GetOrderRequest { OrderId = _ids[order] }, Seller(_sellers[order])).ResponseAsync;

        /// <summary>The seller opens the order's conversation with a message that waits on the buyer; returns the conversation id.</summary>
        public async Task<string> AskAsync(string order, string sellerId, string text)
        {
            var conversation = await _messaging.StartConversationAsync(new StartConversationRequest
            {
                RequestId = NextRequest(), CounterpartId = "buyer-" + order.ToLowerInvariant(), OrderId = _ids[order], Text = text, NeedsBuyerInput = true,
            }, Seller(sellerId));
            return conversation.ConversationId;
        }

        public Task<Conversation> ConversationAsync(string conversationId, string sellerId) =>
            _messaging.GetConversationAsync(new GetConversationRequest { ConversationId = conversationId }, Seller(sellerId)).ResponseAsync;

        /// <summary>The buyer reviews the completed order; the seller reviewing the buyer back publishes the review (SPEC 4).</summary>
        public async Task ReviewAsync(string order, string sellerId, BuyerRatings ratings, bool sellerReviewsBack)
        {
            await _reviews.SubmitBuyerReviewAsync(new SubmitBuyerReviewRequest
            {
                RequestId = NextRequest(), OrderId = _ids[order], Ratings = ratings, Text = "My review of this order, as promised.",
            }, Buyer(order));
            if (sellerReviewsBack)
            {
                await _reviews.SubmitSellerReviewAsync(new SubmitSellerReviewRequest
                {
                    RequestId = NextRequest(), OrderId = _ids[order], Rating = 5, Text = "Clear brief, quick payment.",
                }, Seller(sellerId));
            }
        }

        public Task<Review> ReviewOfAsync(string order, string sellerId) =>
            _reviews.GetReviewAsync(new GetReviewRequest { OrderId = _ids[order] }, Seller(sellerId)).ResponseAsync;

        private static Metadata As(string subject, CallerRole role) => Authorization(TestIdentity.Bearer(subject, role));

        private string NextRequest() => "we-" + Interlocked.Increment(ref _requests);
    }
}
