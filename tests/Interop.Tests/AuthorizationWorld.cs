using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Marketplace.Contracts.Common.V1;
using Marketplace.Contracts.Messaging.V1;
using Marketplace.Contracts.Orders.V1;
using Marketplace.Contracts.Reviews.V1;
using Marketplace.Contracts.Scoring.V1;
using Marketplace.Hosting.Identity;
using Marketplace.Platform;
using Marketplace.Testing;
using static Marketplace.Clients.PlatformClients;

namespace Marketplace.Interop.Tests;

/// <summary>
/// The accounts of the matrix (fresh ids per run) and the <c>authorization</c> metadata each kind
/// of caller sends. The bad tokens name the buyer's account and claim every role, so a token
/// accepted by mistake shows as a call that goes through.
/// </summary>
public sealed class MatrixCallers
{
    private static readonly CallerRole[] EveryRole = [CallerRole.Buyer, CallerRole.Seller, CallerRole.Support, CallerRole.Internal];

    private readonly string _suffix = Guid.NewGuid().ToString("N")[..8];

    public string Buyer => "matrix-buyer-" + _suffix;

    public string Seller => "matrix-seller-" + _suffix;

    public string OtherSeller => "matrix-other-seller-" + _suffix;

    public string OtherBuyer => "matrix-other-buyer-" + _suffix;

    public string Support => "matrix-support-" + _suffix;

    public string Internal => "matrix-internal-" + _suffix;

    public string Gig => "matrix-gig-" + _suffix;

    /// <summary>An id no entity has, for the unknown-id columns.</summary>
    public string Unknown => "matrix-unknown-" + _suffix;

    /// <summary>The account a caller of this kind names (the buyer's for the bad tokens).</summary>
    public string Subject(CallerKind kind) => kind switch
    {
        CallerKind.Seller => Seller,
        CallerKind.OtherSeller => OtherSeller,
        CallerKind.OtherBuyer => OtherBuyer,
        CallerKind.Support => Support,
        CallerKind.Internal => Internal,
        _ => Buyer,
    };

    public Metadata Headers(CallerKind kind) => Authorization(kind switch
    {
        CallerKind.NoToken => null,
        CallerKind.Malformed => "Bearer not.a.jwt",
        CallerKind.WrongKey => new TokenIssuer("a-signing-key-the-services-do-not-hold").Bearer(Buyer, EveryRole),
        CallerKind.Expired => "Bearer " + TestIdentity.Tokens.Mint(Buyer, EveryRole, TimeSpan.FromHours(1), DateTime.UtcNow.AddHours(-3)),
        CallerKind.AlgNone => "Bearer " + TestIdentity.Unsigned(Buyer, EveryRole),
        CallerKind.Buyer => TestIdentity.Bearer(Buyer, CallerRole.Buyer),
        CallerKind.Seller => TestIdentity.Bearer(Seller, CallerRole.Seller),
        CallerKind.OtherSeller => TestIdentity.Bearer(OtherSeller, CallerRole.Seller),
        CallerKind.OtherBuyer => TestIdentity.Bearer(OtherBuyer, CallerRole.Buyer),
        CallerKind.Support => TestIdentity.Bearer(Support, CallerRole.Support),
        CallerKind.Internal => TestIdentity.Bearer(Internal, CallerRole.Internal),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    });

    /// <summary>What the refusal of a bad token says (GrpcAuthorizationResultHandler), so each column fails for its own reason.</summary>
    public static string Refusal(CallerKind kind) => kind switch
    {
        CallerKind.NoToken => "missing 'authorization' metadata",
        CallerKind.Malformed => "invalid bearer token: malformed",
        CallerKind.WrongKey => "invalid bearer token: bad signature",
        CallerKind.Expired => "invalid bearer token: expired",
        CallerKind.AlgNone => "invalid bearer token:",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "not a bad token"),
    };
}

/// <summary>
/// How the matrix calls one RPC: the id of the entity set up for it (null when the RPC names
/// none) and the request for a caller, naming that entity or another id.
/// </summary>
public sealed record MatrixRequest(string? EntityId, Func<CallerKind, string, IMessage> Build)
{
    public IMessage For(CallerKind caller) => Build(caller, EntityId ?? "");

    public IMessage ForId(CallerKind caller, string id) => Build(caller, id);
}

/// <summary>
/// The entities the authorization matrix calls the RPCs on, set up once over gRPC as the platform's
/// own clients would: for each RPC an entity of its own in the state the RPC needs (so one row's
/// calls never change another row's entity), between the matrix's buyer and seller, on the seller's
/// Gig; then the requests, valid for each caller, that name them.
/// </summary>
public sealed class AuthorizationWorld
{
    private readonly PlatformFixture _platform;
    private readonly Dictionary<string, MatrixRequest> _requests = new(StringComparer.Ordinal);

    private AuthorizationWorld(PlatformFixture platform) => _platform = platform;

    public MatrixCallers Callers { get; } = new();

    /// <summary>The request for <paramref name="rpc"/> (<c>Service/Method</c>), or null when the matrix has none.</summary>
    public MatrixRequest? Request(string rpc) => _requests.GetValueOrDefault(rpc);

    private OrdersService.OrdersServiceClient Orders => _platform[PlatformServices.Orders.Name].Client<OrdersService.OrdersServiceClient>();

    private ReviewsService.ReviewsServiceClient Reviews => _platform[PlatformServices.Reviews.Name].Client<ReviewsService.ReviewsServiceClient>();

    private MessagingService.MessagingServiceClient Messaging => _platform[PlatformServices.Messaging.Name].Client<MessagingService.MessagingServiceClient>();

    private Metadata Buyer => Callers.Headers(CallerKind.Buyer);

    private Metadata Seller => Callers.Headers(CallerKind.Seller);

    public static async Task<AuthorizationWorld> BuildAsync(PlatformFixture platform)
    {
        var world = new AuthorizationWorld(platform);
        await world.SetUpAsync();
        return world;
    }

    private static string NewId() => Guid.NewGuid().ToString("N");

    private async Task SetUpAsync()
    {
        // Orders: one order per RPC, driven to the state the RPC needs.
        var submitRequirements = PlacedAsync();
        var startWork = SubmittedAsync();
        var deliver = InProgressAsync();
        var requestRevision = DeliveredAsync();
        var declineRevision = RevisionBeyondIncludedAsync();
        var acceptDelivery = DeliveredAsync();
        var cancel = PlacedAsync();
        var getOrder = PlacedAsync();
        var openResolution = InProgressAsync();
        var respondToResolution = WithSellersResolutionAsync(escalated: false);
        var escalateResolution = WithSellersResolutionAsync(escalated: false);
        var resolveDispute = WithSellersResolutionAsync(escalated: true);
        var recordSupportContact = PlacedAsync();

        // For Reviews and Messaging: orders they learn from Orders' events.
        var submitBuyerReview = CompletedAsync();
        var getReview = CompletedAsync();
        var submitSellerReview = CompletedAsync();
        var postSellerResponse = CompletedAsync();
        var removeSellerResponse = CompletedAsync();
        var removeReview = CompletedAsync();
        var eligibility = CancelledAsync();
        var revokeEligibility = CancelledAsync();
        var startConversation = InProgressAsync();
        var conversationOrder = InProgressAsync();
        var reviewRequestOrder = CompletedAsync();
        await Task.WhenAll(
            submitRequirements, startWork, deliver, requestRevision, declineRevision, acceptDelivery, cancel, getOrder,
            openResolution, respondToResolution, escalateResolution, resolveDispute, recordSupportContact,
            submitBuyerReview, getReview, submitSellerReview, postSellerResponse, removeSellerResponse, removeReview,
            eligibility, revokeEligibility, startConversation, conversationOrder, reviewRequestOrder);
        foreach (var consumer in new[] { PlatformServices.Reviews, PlatformServices.Messaging, PlatformServices.Scoring })
        {
            await _platform.DeliveredAsync(PlatformServices.Orders.AppId, PlatformEvents.Topics.Orders, consumer.AppId);
        }

        // Reviews written by the buyer, then the seller's review and response where a row needs them;
        // conversations on orders Messaging knows.
        var reviewed = new[] { await getReview, await submitSellerReview, await postSellerResponse, await removeSellerResponse, await removeReview };
        await Task.WhenAll(reviewed.Select(order => BuyerReviewAsync(order.OrderId)));
        await Task.WhenAll(new[] { await postSellerResponse, await removeSellerResponse }.Select(order => SellerReviewAsync(order.OrderId)));
        await Reviews.PostSellerResponseAsync(new PostSellerResponseRequest
        {
            RequestId = NewId(), OrderId = (await removeSellerResponse).OrderId, Text = "Thank you, it was a pleasure.",
        }, Seller);
        var conversation = await StartConversationAsync(await conversationOrder);
        var reviewRequestConversation = await StartConversationAsync(await reviewRequestOrder);

        // Messaging learns the review request's window from Reviews' events.
        await _platform.DeliveredAsync(PlatformServices.Reviews.AppId, PlatformEvents.Topics.Reviews, PlatformServices.Messaging.AppId);

        var resolutionToRespond = (await respondToResolution).Resolutions.Single().ResolutionId;
        var resolutionToEscalate = (await escalateResolution).Resolutions.Single().ResolutionId;
        var resolutionToResolve = (await resolveDispute).Resolutions.Single().ResolutionId;

        Add(OrdersService.Descriptor, "PlaceOrder", null, (_, _) => NewPlaceOrder(revisionsIncluded: 1));
        Add(OrdersService.Descriptor, "SubmitRequirements", (await submitRequirements).OrderId, (_, id) =>
            new SubmitRequirementsRequest { RequestId = NewId(), OrderId = id, Requirements = "The logo text is 'Bakkerij de Vries'." });
        Add(OrdersService.Descriptor, "StartWork", (await startWork).OrderId, (_, id) => new StartWorkRequest { RequestId = NewId(), OrderId = id });
        Add(OrdersService.Descriptor, "DeliverOrder", (await deliver).OrderId, (_, id) =>
            new DeliverOrderRequest { RequestId = NewId(), OrderId = id, Message = "Here is the logo." });
        Add(OrdersService.Descriptor, "RequestRevision", (await requestRevision).OrderId, (_, id) =>
            new RequestRevisionRequest { RequestId = NewId(), OrderId = id, Details = "A larger font, please." });
        Add(OrdersService.Descriptor, "DeclineRevision", (await declineRevision).OrderId, (_, id) =>
            new DeclineRevisionRequest { RequestId = NewId(), OrderId = id, Message = "No revisions were included." });
        Add(OrdersService.Descriptor, "AcceptDelivery", (await acceptDelivery).OrderId, (_, id) => new AcceptDeliveryRequest { RequestId = NewId(), OrderId = id });
        Add(OrdersService.Descriptor, "CancelOrder", (await cancel).OrderId, (caller, id) =>
            new CancelOrderRequest { RequestId = NewId(), OrderId = id, Reason = CancellationReasonOf(caller), Note = "Cancelled by the matrix." });
        Add(OrdersService.Descriptor, "GetOrder", (await getOrder).OrderId, (_, id) => new GetOrderRequest { OrderId = id });
        Add(OrdersService.Descriptor, "OpenResolution", (await openResolution).OrderId, (_, id) => new OpenResolutionRequest
        {
            RequestId = NewId(), OrderId = id, Kind = ResolutionKind.Cancellation, CancellationReason = CancellationReason.MutualAgreement,
            Message = "Shall we cancel this one?",
        });
        Add(OrdersService.Descriptor, "RespondToResolution", (await respondToResolution).OrderId, (_, id) => new RespondToResolutionRequest
        {
            RequestId = NewId(), OrderId = id, ResolutionId = resolutionToRespond, Accept = true, Message = "Fine by me.",
        });
        Add(OrdersService.Descriptor, "EscalateResolution", (await escalateResolution).OrderId, (_, id) => new EscalateResolutionRequest
        {
            RequestId = NewId(), OrderId = id, ResolutionId = resolutionToEscalate, Message = "We cannot agree.",
        });
        Add(OrdersService.Descriptor, "ResolveDispute", (await resolveDispute).OrderId, (_, id) => new ResolveDisputeRequest
        {
            RequestId = NewId(), OrderId = id, ResolutionId = resolutionToResolve, Grant = false, Note = "The due time stands.",
        });
        Add(OrdersService.Descriptor, "RecordSupportContact", (await recordSupportContact).OrderId, (_, id) =>
            new RecordSupportContactRequest { RequestId = NewId(), OrderId = id, Note = "The buyer called." });
        Add(OrdersService.Descriptor, "ListOrders", null, (_, _) => new ListOrdersRequest { PageSize = 5 });

        Add(ReviewsService.Descriptor, "SubmitBuyerReview", (await submitBuyerReview).OrderId, (_, id) => NewBuyerReview(id));
        Add(ReviewsService.Descriptor, "GetGigReviews", Callers.Gig, (_, id) => new GetGigReviewsRequest { GigId = id });
        Add(ReviewsService.Descriptor, "GetReview", (await getReview).OrderId, (_, id) => new GetReviewRequest { OrderId = id });
        Add(ReviewsService.Descriptor, "GetCancelledOrderReviewEligibility", (await eligibility).OrderId, (_, id) =>
            new GetCancelledOrderReviewEligibilityRequest { OrderId = id });
        Add(ReviewsService.Descriptor, "SubmitSellerReview", (await submitSellerReview).OrderId, (_, id) => NewSellerReview(id));
        Add(ReviewsService.Descriptor, "PostSellerResponse", (await postSellerResponse).OrderId, (_, id) =>
            new PostSellerResponseRequest { RequestId = NewId(), OrderId = id, Text = "Thank you for the kind words." });
        Add(ReviewsService.Descriptor, "RemoveSellerResponse", (await removeSellerResponse).OrderId, (_, id) =>
            new RemoveSellerResponseRequest { RequestId = NewId(), OrderId = id, Reason = "Shares contact details." });
        Add(ReviewsService.Descriptor, "RemoveReview", (await removeReview).OrderId, (_, id) =>
            new RemoveReviewRequest { RequestId = NewId(), OrderId = id, Reason = "Breaks the terms." });
        Add(ReviewsService.Descriptor, "RevokeReviewEligibility", (await revokeEligibility).OrderId, (_, id) =>
            new RevokeReviewEligibilityRequest { RequestId = NewId(), OrderId = id, Reason = "Terms violation." });

        Add(MessagingService.Descriptor, "StartConversation", (await startConversation).OrderId, (caller, id) => new StartConversationRequest
        {
            RequestId = NewId(), OrderId = id, Text = "Hello, about this order.",
            CounterpartId = caller is CallerKind.Seller or CallerKind.OtherSeller ? Callers.Buyer : Callers.Seller,
        });
        Add(MessagingService.Descriptor, "SendMessage", conversation, (_, id) =>
            new SendMessageRequest { RequestId = NewId(), ConversationId = id, Text = "Any news?" });
        Add(MessagingService.Descriptor, "GetConversation", conversation, (_, id) => new GetConversationRequest { ConversationId = id });
        Add(MessagingService.Descriptor, "GetResponseStats", Callers.Seller, (_, id) => new GetResponseStatsRequest { SellerId = id });
        Add(MessagingService.Descriptor, "ListMessages", conversation, (_, id) => new ListMessagesRequest { ConversationId = id });
        Add(MessagingService.Descriptor, "SendReviewRequest", reviewRequestConversation, (_, id) => new SendReviewRequestRequest
        {
            RequestId = NewId(), ConversationId = id, Text = "Thanks for your order! If you have a moment, a review would help me.",
        });

        Add(ScoringService.Descriptor, "GetGigScore", Callers.Gig, (_, id) => new GetGigScoreRequest { GigId = id });
        Add(ScoringService.Descriptor, "GetSellerScore", Callers.Seller, (_, id) => new GetSellerScoreRequest { SellerId = id });
        Add(ScoringService.Descriptor, "GetSellerLevel", Callers.Seller, (_, id) => new GetSellerLevelRequest { SellerId = id });
        Add(ScoringService.Descriptor, "WhatIf", Callers.Gig, (_, id) => new WhatIfRequest
        {
            GigId = id,
            Orders =
            {
                new HypotheticalOrder
                {
                    Count = 3, Amount = Usd(50_00), OnTime = true, OverallRating = 5, CommunicationRating = 5,
                    QualityRating = 5, ValueRating = 4, WouldRecommend = true,
                },
            },
        });
        Add(ScoringService.Descriptor, "ExplainScoreChange", Callers.Gig, (_, id) => new ExplainScoreChangeRequest
        {
            GigId = id, From = Timestamp.FromDateTime(DateTime.UtcNow.AddDays(-7)), To = Timestamp.FromDateTime(DateTime.UtcNow),
        });
        Add(ScoringService.Descriptor, "EvaluateSeller", Callers.Seller, (_, id) => new EvaluateSellerRequest { RequestId = NewId(), SellerId = id });
        Add(ScoringService.Descriptor, "DecideTopRated", Callers.Seller, (_, id) =>
            new DecideTopRatedRequest { RequestId = NewId(), SellerId = id, Approve = true, Note = "Well done." });
        Add(ScoringService.Descriptor, "RunEvaluation", null, (_, _) => new RunEvaluationRequest { RequestId = NewId() });
        Add(ScoringService.Descriptor, "RebuildScores", null, (_, _) => new RebuildScoresRequest { RequestId = NewId(), DryRun = true });
        Add(ScoringService.Descriptor, "GetRebuildStatus", null, (_, _) => new GetRebuildStatusRequest());
    }

    private void Add(Google.Protobuf.Reflection.ServiceDescriptor service, string method, string? entityId, Func<CallerKind, string, IMessage> build)
    {
        var descriptor = service.FindMethodByName(method) ?? throw new InvalidOperationException($"{service.Name} has no RPC {method}");
        _requests.Add(AuthorizationMatrix.Key(descriptor), new MatrixRequest(entityId, build));
    }

    /// <summary>The reason each kind of caller gives when it cancels on its own (SPEC 2): buyers withdraw, sellers give up, support decides, payments record chargebacks.</summary>
    private static CancellationReason CancellationReasonOf(CallerKind caller) => caller switch
    {
        CallerKind.Seller or CallerKind.OtherSeller => CancellationReason.SellerUnableToDeliver,
        CallerKind.Support => CancellationReason.SupportInBuyersFavour,
        CallerKind.Internal => CancellationReason.ChargebackFraud,
        _ => CancellationReason.PlacedByMistake,
    };

    private static Money Usd(long minor) => new() { CurrencyCode = "USD", AmountMinor = minor };

    private PlaceOrderRequest NewPlaceOrder(int revisionsIncluded) => new()
    {
        RequestId = NewId(),
        GigId = Callers.Gig,
        SellerId = Callers.Seller,
        Category = "graphics-design",
        Amount = Usd(60_00),
        DueAt = Timestamp.FromDateTime(DateTime.UtcNow.AddDays(7)),
        RevisionsIncluded = revisionsIncluded,
    };

    private SubmitBuyerReviewRequest NewBuyerReview(string orderId) => new()
    {
        RequestId = NewId(),
        OrderId = orderId,
        Ratings = new BuyerRatings { Overall = 5, Communication = 5, Quality = 5, ValueForMoney = 4, WouldRecommend = true, PrivateRating = 9 },
        Text = "A clear logo, delivered on time.",
    };

    private SubmitSellerReviewRequest NewSellerReview(string orderId) => new()
    {
        RequestId = NewId(), OrderId = orderId, Rating = 5, Text = "Clear requirements, quick answers.",
    };

    private async Task<Order> PlacedAsync(int revisionsIncluded = 1) =>
        await Orders.PlaceOrderAsync(NewPlaceOrder(revisionsIncluded), Buyer);

    private async Task<Order> SubmittedAsync(int revisionsIncluded = 1)
    {
        var order = await PlacedAsync(revisionsIncluded);
        return await Orders.SubmitRequirementsAsync(new SubmitRequirementsRequest
        {
            RequestId = NewId(), OrderId = order.OrderId, Requirements = "A logo for a bakery.",
        }, Buyer);
    }

    private async Task<Order> InProgressAsync(int revisionsIncluded = 1)
    {
        var order = await SubmittedAsync(revisionsIncluded);
        return await Orders.StartWorkAsync(new StartWorkRequest { RequestId = NewId(), OrderId = order.OrderId }, Seller);
    }

    private async Task<Order> DeliveredAsync(int revisionsIncluded = 1)
    {
        var order = await InProgressAsync(revisionsIncluded);
        return await Orders.DeliverOrderAsync(new DeliverOrderRequest { RequestId = NewId(), OrderId = order.OrderId, Message = "Done." }, Seller);
    }

    /// <summary>Delivered with no revision included, then a revision asked: one the seller may decline.</summary>
    private async Task<Order> RevisionBeyondIncludedAsync()
    {
        var order = await DeliveredAsync(revisionsIncluded: 0);
        return await Orders.RequestRevisionAsync(new RequestRevisionRequest
        {
            RequestId = NewId(), OrderId = order.OrderId, Details = "Another colour, please.",
        }, Buyer);
    }

    private async Task<Order> CompletedAsync()
    {
        var order = await DeliveredAsync();
        return await Orders.AcceptDeliveryAsync(new AcceptDeliveryRequest { RequestId = NewId(), OrderId = order.OrderId }, Buyer);
    }

    private async Task<Order> CancelledAsync()
    {
        var order = await PlacedAsync();
        return await Orders.CancelOrderAsync(new CancelOrderRequest
        {
            RequestId = NewId(), OrderId = order.OrderId, Reason = CancellationReason.SellerUnableToDeliver, Note = "Fully booked.",
        }, Seller);
    }

    /// <summary>In progress, with the seller's extension request open, or escalated to support by the seller.</summary>
    private async Task<Order> WithSellersResolutionAsync(bool escalated)
    {
        var order = await InProgressAsync();
        order = await Orders.OpenResolutionAsync(new OpenResolutionRequest
        {
            RequestId = NewId(), OrderId = order.OrderId, Kind = ResolutionKind.Extension, ExtendBy = Duration.FromTimeSpan(TimeSpan.FromDays(2)),
            Message = "Two more days, please.",
        }, Seller);
        return escalated
            ? await Orders.EscalateResolutionAsync(new EscalateResolutionRequest
            {
                RequestId = NewId(), OrderId = order.OrderId, ResolutionId = order.Resolutions.Single().ResolutionId, Message = "No answer.",
            }, Seller)
            : order;
    }

    private Task<Review> BuyerReviewAsync(string orderId) => Reviews.SubmitBuyerReviewAsync(NewBuyerReview(orderId), Buyer).ResponseAsync;

    private Task<Review> SellerReviewAsync(string orderId) => Reviews.SubmitSellerReviewAsync(NewSellerReview(orderId), Seller).ResponseAsync;

    private async Task<string> StartConversationAsync(Order order) => (await Messaging.StartConversationAsync(new StartConversationRequest
    {
        RequestId = NewId(), OrderId = order.OrderId, CounterpartId = Callers.Seller, Text = "Hello, a question about the logo.",
    }, Buyer)).ConversationId;
}
