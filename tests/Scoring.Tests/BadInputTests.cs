using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Marketplace.Contracts.Common.V1;
using Marketplace.Contracts.Scoring.V1;
using Marketplace.Hosting.Identity;
using Xunit;
using static Marketplace.Clients.PlatformClients;

namespace Marketplace.Scoring.Tests;

/// <summary>One Scoring service with the scores of <see cref="ScoreTests.Group"/>, shared by the bad-input tests.</summary>
public sealed class ScoredGroupFixture : IAsyncLifetime
{
    public ScoringHarness Scoring { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Scoring = await ScoringHarness.StartAsync();
        await Scoring.DeliverAsync(ScoreTests.Group());
    }

    public async Task DisposeAsync() => await Scoring.DisposeAsync();
}

/// <summary>
/// SPEC 7 and 5.6 on the Scoring API: each bad request gets its status, a message naming the field
/// or rule, and changes nothing. The request's type picks the RPC (each RPC has its own request message).
/// </summary>
public sealed class BadInputTests(ScoredGroupFixture fixture) : IClassFixture<ScoredGroupFixture>
{
    private readonly ScoringHarness _scoring = fixture.Scoring;

    private static DateTimeOffset T(int day) => new DateTimeOffset(2026, 6, 1, 0, 0, 0, TimeSpan.Zero).AddDays(day);

    public static TheoryData<string, IMessage, string?, StatusCode, string> Cases() => new()
    {
        { "no token", new GetGigScoreRequest { GigId = "a1" }, null, StatusCode.Unauthenticated, "authorization" },
        { "empty gig id", new GetGigScoreRequest(), Seller("seller-a"), StatusCode.InvalidArgument, "gig_id must not be empty" },
        { "unknown gig", new GetGigScoreRequest { GigId = "nope" }, Support, StatusCode.NotFound, "gig nope is unknown" },
        { "unknown gig asked by a seller", new GetGigScoreRequest { GigId = "nope" }, Seller("seller-a"), StatusCode.PermissionDenied, "visible only to the Gig's seller" },
        { "another seller's Gig", new GetGigScoreRequest { GigId = "a1" }, Seller("seller-b"), StatusCode.PermissionDenied, "visible only to the Gig's seller" },
        { "a buyer asks for a Gig score", new GetGigScoreRequest { GigId = "a1" }, Buyer, StatusCode.PermissionDenied, "visible only to the Gig's seller" },
        { "a buyer asks for a seller score", new GetSellerScoreRequest { SellerId = "seller-a" }, Buyer, StatusCode.PermissionDenied, "success score is visible only" },
        { "unknown seller", new GetSellerScoreRequest { SellerId = "ghost" }, Seller("ghost"), StatusCode.NotFound, "seller ghost is unknown" },
        { "level without token", new GetSellerLevelRequest { SellerId = "seller-a" }, null, StatusCode.Unauthenticated, "authorization" },
        { "level of nobody", new GetSellerLevelRequest(), Buyer, StatusCode.InvalidArgument, "seller_id must not be empty" },
        { "what-if rating 6", WhatIf(o => o.OverallRating = 6), Seller("seller-a"), StatusCode.InvalidArgument, "orders[0].overall_rating must be 1-5" },
        { "what-if no orders", new WhatIfRequest { GigId = "a1" }, Seller("seller-a"), StatusCode.InvalidArgument, "orders must hold" },
        { "what-if count 0", WhatIf(o => o.Count = 0), Seller("seller-a"), StatusCode.InvalidArgument, "orders[0].count" },
        { "what-if counts past int32 (issue 15: ran 6 s into OutOfMemoryException)", WhatIf(o => o.Count = int.MaxValue), Seller("seller-a"), StatusCode.InvalidArgument, "orders[0].count must be >= 1, and all counts together at most 1000" },
        { "what-if lateness beyond protobuf's range", WhatIf(o => { o.OnTime = false; o.Lateness = new Duration { Seconds = long.MaxValue }; }), Seller("seller-a"), StatusCode.InvalidArgument, "orders[0].lateness must be at most 365 days" },
        { "what-if lateness of 10,000 years", WhatIf(o => { o.OnTime = false; o.Lateness = new Duration { Seconds = 315_576_000_000 }; }), Seller("seller-a"), StatusCode.InvalidArgument, "orders[0].lateness must be at most 365 days" },
        { "what-if lateness with mixed signs", WhatIf(o => { o.OnTime = false; o.Lateness = new Duration { Seconds = 5, Nanos = -1 }; }), Seller("seller-a"), StatusCode.InvalidArgument, "orders[0].lateness must not be negative" },
        { "what-if lateness with nanos out of range", WhatIf(o => { o.OnTime = false; o.Lateness = new Duration { Seconds = 5, Nanos = 1_000_000_000 }; }), Seller("seller-a"), StatusCode.InvalidArgument, "orders[0].lateness must be at most 365 days" },
        { "what-if no amount", WhatIf(o => o.Amount = null), Seller("seller-a"), StatusCode.InvalidArgument, "orders[0].amount is required" },
        { "what-if unknown currency", WhatIf(o => o.Amount.CurrencyCode = "XTS"), Seller("seller-a"), StatusCode.InvalidArgument, "'XTS' has no USD rate" },
        { "what-if by a buyer", WhatIf(_ => { }), Buyer, StatusCode.PermissionDenied, "visible only to the Gig's seller" },
        { "evaluate as a seller", new EvaluateSellerRequest { RequestId = "e-1", SellerId = "seller-a" }, Seller("seller-a"), StatusCode.PermissionDenied, "EvaluateSeller needs the role support or internal; caller seller-a (seller) does not hold it" },
        { "evaluate without request id", new EvaluateSellerRequest { SellerId = "seller-a" }, Support, StatusCode.InvalidArgument, "request_id must not be empty" },
        { "evaluate an unknown seller", new EvaluateSellerRequest { RequestId = "e-2", SellerId = "ghost" }, Support, StatusCode.NotFound, "seller ghost is unknown" },
        { "Top Rated decision by a seller", new DecideTopRatedRequest { RequestId = "d-1", SellerId = "seller-a", Approve = true }, Seller("seller-a"), StatusCode.PermissionDenied, "DecideTopRated needs the role support; caller seller-a (seller) does not hold it" },
        { "Top Rated for a non-candidate", new DecideTopRatedRequest { RequestId = "d-2", SellerId = "seller-a", Approve = true }, Support, StatusCode.FailedPrecondition, "not a Top Rated candidate" },
        { "evaluation run by a buyer", new RunEvaluationRequest { RequestId = "run-1" }, Buyer, StatusCode.PermissionDenied, "RunEvaluation needs the role support or internal; caller buyer-9 (buyer) does not hold it" },
        { "evaluation run without request id", new RunEvaluationRequest(), Support, StatusCode.InvalidArgument, "request_id must not be empty" },
        { "a request id too long", new EvaluateSellerRequest { RequestId = new string('r', 129), SellerId = "seller-a" }, Support, StatusCode.InvalidArgument, "request_id must be at most 128 characters" },
        { "a gig id with a control character", new GetGigScoreRequest { GigId = "a1\n" }, Seller("seller-a"), StatusCode.InvalidArgument, "gig_id must not contain control characters" },
        { "explain neither a Gig nor a seller", new ExplainScoreChangeRequest(), Seller("seller-a"), StatusCode.InvalidArgument, "exactly one of gig_id and seller_id" },
        { "explain a Gig and a seller", new ExplainScoreChangeRequest { GigId = "a1", SellerId = "seller-a" }, Seller("seller-a"), StatusCode.InvalidArgument, "exactly one of gig_id and seller_id" },
        { "explain with from after to", new ExplainScoreChangeRequest { GigId = "a1", From = Timestamp.FromDateTimeOffset(T(2)), To = Timestamp.FromDateTimeOffset(T(1)) }, Seller("seller-a"), StatusCode.InvalidArgument, "from must be earlier than to" },
        { "explain with a bad from", new ExplainScoreChangeRequest { GigId = "a1", From = new Timestamp { Seconds = 1, Nanos = -1 } }, Seller("seller-a"), StatusCode.InvalidArgument, "from must be a valid timestamp" },
        { "explain with a to before 1970", new ExplainScoreChangeRequest { SellerId = "seller-a", To = new Timestamp { Seconds = -5 } }, Seller("seller-a"), StatusCode.InvalidArgument, "to must be a valid timestamp" },
        { "explain naming 51 orders", new ExplainScoreChangeRequest { GigId = "a1", MaxOrders = 51 }, Seller("seller-a"), StatusCode.InvalidArgument, "max_orders must be 0" },
        { "explain another seller's Gig", new ExplainScoreChangeRequest { GigId = "a1", MaxOrders = 51 }, Seller("seller-b"), StatusCode.PermissionDenied, "visible only to the Gig's seller" },
        { "explain a Gig to a buyer", new ExplainScoreChangeRequest { GigId = "ghost-gig" }, Buyer, StatusCode.PermissionDenied, "visible only to the Gig's seller" },
        { "explain another seller", new ExplainScoreChangeRequest { SellerId = "seller-a" }, Seller("seller-b"), StatusCode.PermissionDenied, "visible only to that seller" },
        { "explain an unknown Gig to support", new ExplainScoreChangeRequest { GigId = "ghost-gig" }, Support, StatusCode.NotFound, "gig ghost-gig is unknown" },
        { "explain a gig id too long", new ExplainScoreChangeRequest { GigId = new string('g', 129) }, Seller("seller-a"), StatusCode.InvalidArgument, "gig_id must be at most 128 characters" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Is_refused_with_its_status_and_changes_nothing(string what, IMessage request, string? bearer, StatusCode status, string message)
    {
        var before = await _scoring.StateAsync();
        var error = await Assert.ThrowsAsync<RpcException>(() => CallAsync(request, bearer));
        Assert.True(status == error.StatusCode, $"{what}: expected {status}, got {error.StatusCode} ({error.Status.Detail})");
        Assert.Contains(message, error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(before, await _scoring.StateAsync());
    }

    [Fact]
    public async Task A_request_id_reused_for_another_request_is_refused()
    {
        await using var scoring = await ScoringHarness.StartAsync();
        await scoring.DeliverAsync(ScoreTests.Group());
        var first = await scoring.Client.EvaluateSellerAsync(
            new EvaluateSellerRequest { RequestId = "same", SellerId = "seller-a" }, Authorization(Support)).ResponseAsync;
        Assert.Equal("seller-a", first.SellerId);
        await scoring.CaughtUpAsync();
        var before = await scoring.StateAsync();

        var error = await Assert.ThrowsAsync<RpcException>(() => scoring.Client.EvaluateSellerAsync(
            new EvaluateSellerRequest { RequestId = "same", SellerId = "seller-b" }, Authorization(Support)).ResponseAsync);
        Assert.Equal(StatusCode.AlreadyExists, error.StatusCode);
        Assert.Contains("request_id 'same' was already used", error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(before, await scoring.StateAsync());

        // The same request again gets the first answer unchanged, and runs nothing.
        Assert.Equal(first, await scoring.Client.EvaluateSellerAsync(
            new EvaluateSellerRequest { RequestId = "same", SellerId = "seller-a" }, Authorization(Support)).ResponseAsync);
        Assert.Equal(before, await scoring.StateAsync());
    }

    private static string Seller(string id) => ScoringHarness.Bearer(id, CallerRole.Seller);

    private static string Buyer => ScoringHarness.Bearer("buyer-9", CallerRole.Buyer);

    private static string Support => ScoringHarness.Bearer("support-1", CallerRole.Support);

    private static WhatIfRequest WhatIf(Action<HypotheticalOrder> change)
    {
        var order = new HypotheticalOrder
        {
            Count = 2,
            Amount = new Money { CurrencyCode = "USD", AmountMinor = 12_000 },
            OnTime = true,
            OverallRating = 5,
            CommunicationRating = 5,
            QualityRating = 5,
            ValueRating = 5,
            WouldRecommend = true,
            PrivateRating = 9,
        };
        change(order);
        return new WhatIfRequest { GigId = "a1", Orders = { order } };
    }

    /// <summary>Calls the RPC that takes <paramref name="request"/>, through the typed client.</summary>
    private Task CallAsync(IMessage request, string? bearer)
    {
        var client = _scoring.Client;
        var headers = Authorization(bearer);
        return request switch
        {
            GetGigScoreRequest r => client.GetGigScoreAsync(r, headers).ResponseAsync,
            GetSellerScoreRequest r => client.GetSellerScoreAsync(r, headers).ResponseAsync,
            GetSellerLevelRequest r => client.GetSellerLevelAsync(r, headers).ResponseAsync,
            WhatIfRequest r => client.WhatIfAsync(r, headers).ResponseAsync,
            EvaluateSellerRequest r => client.EvaluateSellerAsync(r, headers).ResponseAsync,
            DecideTopRatedRequest r => client.DecideTopRatedAsync(r, headers).ResponseAsync,
            RunEvaluationRequest r => client.RunEvaluationAsync(r, headers).ResponseAsync,
            ExplainScoreChangeRequest r => client.ExplainScoreChangeAsync(r, headers).ResponseAsync,
            _ => throw new ArgumentException(request.Descriptor.FullName),
        };
    }
}
