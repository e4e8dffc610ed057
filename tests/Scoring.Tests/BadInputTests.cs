using Google.Protobuf;
using Marketplace.Contracts.Common.V1;
using Marketplace.Contracts.Scoring.V1;
using Marketplace.Grpc;
using Marketplace.Hosting.Identity;
using Xunit;

namespace Marketplace.Scoring.Tests;

/// <summary>One Scoring service with the scores of <see cref="ScoreTests.Group"/>, shared by the bad-input tests.</summary>
public sealed class ScoredGroupFixture : IAsyncLifetime
{
    public ScoringHarness Scoring { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Scoring = await ScoringHarness.StartAsync();
        await Scoring.PublishAsync(ScoreTests.Group().SelectMany(o => o.Events()));
        await Scoring.CaughtUpAsync();
    }

    public async Task DisposeAsync() => await Scoring.DisposeAsync();
}

/// <summary>SPEC 7 and 5.6 on the Scoring API: each bad request gets its status, a message naming the field or rule, and changes nothing.</summary>
public sealed class BadInputTests(ScoredGroupFixture fixture) : IClassFixture<ScoredGroupFixture>
{
    private readonly ScoringHarness _scoring = fixture.Scoring;

    public static TheoryData<string, string, IMessage, string?, StatusCode, string> Cases() => new()
    {
        { "no token", "GetGigScore", new GetGigScoreRequest { GigId = "a1" }, null, StatusCode.Unauthenticated, "authorization" },
        { "empty gig id", "GetGigScore", new GetGigScoreRequest(), Seller("seller-a"), StatusCode.InvalidArgument, "gig_id must not be empty" },
        { "unknown gig", "GetGigScore", new GetGigScoreRequest { GigId = "nope" }, Seller("seller-a"), StatusCode.NotFound, "gig nope is unknown" },
        { "another seller's Gig", "GetGigScore", new GetGigScoreRequest { GigId = "a1" }, Seller("seller-b"), StatusCode.PermissionDenied, "visible only to seller seller-a" },
        { "a buyer asks for a Gig score", "GetGigScore", new GetGigScoreRequest { GigId = "a1" }, Buyer, StatusCode.PermissionDenied, "visible only to seller seller-a" },
        { "a buyer asks for a seller score", "GetSellerScore", new GetSellerScoreRequest { SellerId = "seller-a" }, Buyer, StatusCode.PermissionDenied, "success score is visible only" },
        { "unknown seller", "GetSellerScore", new GetSellerScoreRequest { SellerId = "ghost" }, Seller("ghost"), StatusCode.NotFound, "seller ghost is unknown" },
        { "level without token", "GetSellerLevel", new GetSellerLevelRequest { SellerId = "seller-a" }, null, StatusCode.Unauthenticated, "authorization" },
        { "level of nobody", "GetSellerLevel", new GetSellerLevelRequest(), Buyer, StatusCode.InvalidArgument, "seller_id must not be empty" },
        { "what-if rating 6", "WhatIf", WhatIf(o => o.OverallRating = 6), Seller("seller-a"), StatusCode.InvalidArgument, "orders[0].overall_rating must be 1-5" },
        { "what-if no orders", "WhatIf", new WhatIfRequest { GigId = "a1" }, Seller("seller-a"), StatusCode.InvalidArgument, "orders must hold" },
        { "what-if count 0", "WhatIf", WhatIf(o => o.Count = 0), Seller("seller-a"), StatusCode.InvalidArgument, "orders[0].count" },
        { "what-if no amount", "WhatIf", WhatIf(o => o.Amount = null), Seller("seller-a"), StatusCode.InvalidArgument, "orders[0].amount is required" },
        { "what-if unknown currency", "WhatIf", WhatIf(o => o.Amount.CurrencyCode = "XTS"), Seller("seller-a"), StatusCode.InvalidArgument, "'XTS' has no USD rate" },
        { "what-if by a buyer", "WhatIf", WhatIf(_ => { }), Buyer, StatusCode.PermissionDenied, "visible only to seller seller-a" },
        { "evaluate as a seller", "EvaluateSeller", new EvaluateSellerRequest { RequestId = "e-1", SellerId = "seller-a" }, Seller("seller-a"), StatusCode.PermissionDenied, "only support or internal" },
        { "evaluate without request id", "EvaluateSeller", new EvaluateSellerRequest { SellerId = "seller-a" }, Support, StatusCode.InvalidArgument, "request_id must not be empty" },
        { "evaluate an unknown seller", "EvaluateSeller", new EvaluateSellerRequest { RequestId = "e-2", SellerId = "ghost" }, Support, StatusCode.NotFound, "seller ghost is unknown" },
        { "Top Rated decision by a seller", "DecideTopRated", new DecideTopRatedRequest { RequestId = "d-1", SellerId = "seller-a", Approve = true }, Seller("seller-a"), StatusCode.PermissionDenied, "only support decides" },
        { "Top Rated for a non-candidate", "DecideTopRated", new DecideTopRatedRequest { RequestId = "d-2", SellerId = "seller-a", Approve = true }, Support, StatusCode.FailedPrecondition, "not a Top Rated candidate" },
        { "evaluation run by a buyer", "RunEvaluation", new RunEvaluationRequest { RequestId = "run-1" }, Buyer, StatusCode.PermissionDenied, "only support or internal" },
        { "explanations are not served yet", "ExplainScoreChange", new ExplainScoreChangeRequest { GigId = "a1" }, Seller("seller-a"), StatusCode.Unimplemented, "not served yet" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Is_refused_with_its_status_and_changes_nothing(string what, string rpc, IMessage request, string? bearer, StatusCode status, string message)
    {
        var before = await _scoring.StateAsync();
        var error = await Assert.ThrowsAsync<RpcException>(() => CallAsync(rpc, request, bearer));
        Assert.True(status == error.StatusCode, $"{what}: expected {status}, got {error.StatusCode} ({error.Status.Detail})");
        Assert.Contains(message, error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(before, await _scoring.StateAsync());
    }

    [Fact]
    public async Task A_request_id_reused_for_another_request_is_refused()
    {
        await using var scoring = await ScoringHarness.StartAsync();
        await scoring.PublishAsync(ScoreTests.Group().SelectMany(o => o.Events()));
        await scoring.CaughtUpAsync();
        var first = await scoring.CallAsync<EvaluateSellerRequest, SellerLevel>("EvaluateSeller",
            new EvaluateSellerRequest { RequestId = "same", SellerId = "seller-a" }, Support);
        Assert.Equal("seller-a", first.SellerId);
        await scoring.CaughtUpAsync();
        var before = await scoring.StateAsync();

        var error = await Assert.ThrowsAsync<RpcException>(() => scoring.CallAsync<EvaluateSellerRequest, SellerLevel>("EvaluateSeller",
            new EvaluateSellerRequest { RequestId = "same", SellerId = "seller-b" }, Support));
        Assert.Equal(StatusCode.AlreadyExists, error.StatusCode);
        Assert.Contains("request_id 'same' was already used", error.Status.Detail, StringComparison.Ordinal);
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

    private Task CallAsync(string rpc, IMessage request, string? bearer) => request switch
    {
        GetGigScoreRequest r => _scoring.CallAsync<GetGigScoreRequest, GigScore>(rpc, r, bearer),
        GetSellerScoreRequest r => _scoring.CallAsync<GetSellerScoreRequest, SellerScore>(rpc, r, bearer),
        GetSellerLevelRequest r => _scoring.CallAsync<GetSellerLevelRequest, SellerLevel>(rpc, r, bearer),
        WhatIfRequest r => _scoring.CallAsync<WhatIfRequest, WhatIfResponse>(rpc, r, bearer),
        EvaluateSellerRequest r => _scoring.CallAsync<EvaluateSellerRequest, SellerLevel>(rpc, r, bearer),
        DecideTopRatedRequest r => _scoring.CallAsync<DecideTopRatedRequest, SellerLevel>(rpc, r, bearer),
        RunEvaluationRequest r => _scoring.CallAsync<RunEvaluationRequest, EvaluationSummary>(rpc, r, bearer),
        ExplainScoreChangeRequest r => _scoring.CallAsync<ExplainScoreChangeRequest, ScoreChangeExplanation>(rpc, r, bearer),
        _ => throw new ArgumentException(request.Descriptor.FullName),
    };
}
