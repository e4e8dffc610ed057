using Google.Protobuf.WellKnownTypes;
using Marketplace.Contracts.Common.V1;
using Marketplace.Contracts.Messaging.V1;
using Marketplace.Contracts.Orders.V1;
using Marketplace.Contracts.Reviews.V1;
using Grpc.Core;
using Marketplace.Hosting.Identity;
using static Marketplace.Scenario.PlatformClient;

namespace Marketplace.Scenario;

/// <summary>What happens to one order of the scenario.</summary>
public enum OrderStory
{
    /// <summary>Delivered before the due time, accepted, reviewed by both sides (so the review is published).</summary>
    OnTime,

    /// <summary>Delivered after the due time, accepted, reviewed.</summary>
    Late,

    /// <summary>The seller cancels: unable to deliver (counts against the seller).</summary>
    CancelledBySeller,

    /// <summary>
    /// The seller asks for the requirements on the order's conversation, the buyer never answers,
    /// Messaging marks the buyer unresponsive, and then the seller cancels for that reason (never
    /// counts, SPEC 2). Needs Messaging's unresponsive window shortened (<see cref="WalkingSkeleton.MessagingSettings"/>).
    /// </summary>
    BuyerUnresponsive,
}

/// <summary>
/// A cancellation reason that exempts the seller, claimed in the scenario: refused (with the gRPC
/// status and the rule the platform named) when the order's facts do not support it, accepted when they do.
/// </summary>
public sealed record ExemptionClaim(ScriptedOrder Order, CancellationReason Reason, StatusCode? RefusedWith, string Answer);

/// <summary>One order of the scenario: its story, review stars (0 = no review) and whether the buyer asks a question first.</summary>
/// <param name="Label">The script's name for the order; request ids derive from it, so a retried call is the same request.</param>
public sealed record ScriptedOrder(string Label, string GigId, string SellerId, string BuyerId, string Category, long AmountCents, OrderStory Story, int Stars, bool Chat);

/// <summary>
/// The walking-skeleton scenario: three sellers, four Gigs, four buyers, sixteen orders driven
/// through Orders, Messaging and Reviews over gRPC exactly as client back ends would (every
/// command with its own request id, each party with its own token). Scoring learns everything
/// from events. Orders run concurrently; late ones wait for their (short) due time to pass.
/// </summary>
public sealed class WalkingSkeleton(PlatformClient client, string runId)
{
    /// <summary>How long a late order's seller waits past the due time before delivering.</summary>
    private static readonly TimeSpan LateDue = TimeSpan.FromSeconds(3);

    private static readonly TimeSpan RetryLimit = TimeSpan.FromSeconds(60);

    /// <summary>How long the buyer-unresponsive story waits for Messaging's mark to reach Orders.</summary>
    private static readonly TimeSpan MarkLimit = TimeSpan.FromMinutes(3);

    /// <summary>
    /// Settings (environment variables) the platform needs for this scenario: Messaging marks a silent
    /// buyer after 18 s instead of 24 h, looking every half second, so the buyer-unresponsive story runs
    /// in seconds. 18 s is well above the few seconds between a seller's answer and the delivery of the
    /// chatting orders, so only the silent buyer is marked.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> MessagingSettings = new Dictionary<string, string>
    {
        ["Messaging__UnresponsiveAfterHours"] = "0.005",
        ["Messaging__SweepIntervalMs"] = "500",
    };

    /// <summary>
    /// Settings (environment variables) Orders needs for this scenario: a due time may be a second
    /// after placing instead of the policy's day (<c>Orders:MinDueAfter</c>), so a late order is late
    /// within seconds of real time.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> OrdersSettings = new Dictionary<string, string>
    {
        ["Orders__MinDueAfter"] = "00:00:01",
    };

    private readonly System.Collections.Concurrent.ConcurrentQueue<ExemptionClaim> _claims = new();

    private readonly System.Collections.Concurrent.ConcurrentDictionary<ScriptedOrder, string> _orderIds = new();

    /// <summary>The scripted orders; names are unique per run id, so a scenario can run twice against one platform.</summary>
    public IReadOnlyList<ScriptedOrder> Orders { get; } = Script(runId);

    private readonly System.Collections.Concurrent.ConcurrentDictionary<ScriptedOrder, string> _conversationIds = new();

    /// <summary>The order id Orders gave each scripted order placed so far.</summary>
    public IReadOnlyDictionary<ScriptedOrder, string> OrderIds => _orderIds;

    /// <summary>The conversation Messaging opened for each scripted order with a chat (and the silent buyer's order).</summary>
    public IReadOnlyDictionary<ScriptedOrder, string> ConversationIds => _conversationIds;

    /// <summary>The exempting reasons claimed so far: the refused one and the one the facts support.</summary>
    public IReadOnlyList<ExemptionClaim> Claims => [.. _claims];

    public static IReadOnlyList<ScriptedOrder> Script(string runId)
    {
        var orders = new List<ScriptedOrder>();
        void Add(string gig, string seller, string buyer, OrderStory story, int stars, bool chat = false, string category = "logo-design", long cents = 12_000) =>
            orders.Add(new($"{runId}-{gig}-{orders.Count(o => o.GigId.EndsWith(gig, StringComparison.Ordinal)) + 1}",
                $"{runId}-{gig}", $"{runId}-{seller}", $"{runId}-{buyer}", category, cents, story, stars, chat));

        // Ana: careful and quick to answer; her second Gig has too few orders for a score.
        Add("ana-logo", "ana", "buyer-1", OrderStory.OnTime, 5, chat: true);
        Add("ana-logo", "ana", "buyer-2", OrderStory.OnTime, 5, chat: true);
        Add("ana-logo", "ana", "buyer-3", OrderStory.OnTime, 5);
        Add("ana-logo", "ana", "buyer-4", OrderStory.OnTime, 4);
        Add("ana-banner", "ana", "buyer-1", OrderStory.OnTime, 5, category: "banner-design");
        Add("ana-banner", "ana", "buyer-3", OrderStory.OnTime, 5, category: "banner-design");
        // Ben: late, cancels, unhappy buyers.
        Add("ben-logo", "ben", "buyer-1", OrderStory.Late, 2, chat: true);
        Add("ben-logo", "ben", "buyer-2", OrderStory.Late, 0);
        Add("ben-logo", "ben", "buyer-3", OrderStory.CancelledBySeller, 0);
        Add("ben-logo", "ben", "buyer-4", OrderStory.OnTime, 3);
        Add("ben-logo", "ben", "buyer-2", OrderStory.Late, 1);
        // Cy: in between; one buyer stopped answering (left out of every area).
        Add("cy-logo", "cy", "buyer-2", OrderStory.OnTime, 4, cents: 15_000);
        Add("cy-logo", "cy", "buyer-3", OrderStory.OnTime, 0, cents: 15_000);
        Add("cy-logo", "cy", "buyer-4", OrderStory.BuyerUnresponsive, 0, cents: 15_000);
        Add("cy-logo", "cy", "buyer-1", OrderStory.Late, 3, chat: true, cents: 15_000);
        Add("cy-logo", "cy", "buyer-4", OrderStory.OnTime, 5, cents: 15_000);
        return orders;
    }

    /// <summary>Runs every order's story; <paramref name="afterOrder"/> is called as each one finishes.</summary>
    public async Task RunAsync(Func<ScriptedOrder, Task>? afterOrder = null, CancellationToken cancellationToken = default)
    {
        await Task.WhenAll(Orders.Select(async order =>
        {
            await RunAsync(order, cancellationToken);
            if (afterOrder is not null)
            {
                await afterOrder(order);
            }
        }));
    }

    private async Task RunAsync(ScriptedOrder o, CancellationToken cancellationToken)
    {
        var buyer = client.Bearer(o.BuyerId, CallerRole.Buyer);
        var seller = client.Bearer(o.SellerId, CallerRole.Seller);
        var placed = await PlaceAsync(o, buyer);
        string id = placed.OrderId;
        _orderIds[o] = id;
        if (o.Story == OrderStory.BuyerUnresponsive)
        {
            await BuyerStaysSilentAsync(o, id, seller, cancellationToken);
            await CancelAsync(o, id, CancellationReason.BuyerUnresponsive, seller);
            _claims.Enqueue(new ExemptionClaim(o, CancellationReason.BuyerUnresponsive, null,
                "accepted: Messaging had marked the buyer unresponsive on the order"));
            return;
        }

        await client.Orders.SubmitRequirementsAsync(
            new SubmitRequirementsRequest { RequestId = Id(o, "requirements"), OrderId = id, Requirements = "Logo with our name, blue and white." }, As(buyer));
        if (o.Chat)
        {
            await ChatAsync(o, id, buyer, seller, cancellationToken);
        }

        if (o.Story == OrderStory.CancelledBySeller)
        {
            // The seller first tries to make the cancellation not count: the buyer answered everything.
            await ClaimRefusedAsync(o, id, CancellationReason.BuyerUnresponsive, seller);
            await CancelAsync(o, id, CancellationReason.SellerUnableToDeliver, seller);
            return;
        }

        var working = await client.Orders.StartWorkAsync(new StartWorkRequest { RequestId = Id(o, "start"), OrderId = id }, As(seller));
        if (o.Story == OrderStory.Late)
        {
            // The due time as it is now: it moved on by the moments the requirements took.
            var late = working.DueAt.ToDateTime() - DateTime.UtcNow + TimeSpan.FromMilliseconds(500);
            if (late > TimeSpan.Zero)
            {
                await Task.Delay(late, cancellationToken);
            }
        }

        await client.Orders.DeliverOrderAsync(
            new DeliverOrderRequest { RequestId = Id(o, "deliver"), OrderId = id, Message = "Here is your logo." }, As(seller));
        await client.Orders.AcceptDeliveryAsync(new AcceptDeliveryRequest { RequestId = Id(o, "accept"), OrderId = id }, As(buyer));
        if (o.Stars == 0)
        {
            return;
        }

        // Reviews learns of the completion from an event: retry until it has.
        await RetryAsync(() => client.Reviews.SubmitBuyerReviewAsync(new SubmitBuyerReviewRequest
        {
            RequestId = Id(o, "review"),
            OrderId = id,
            Ratings = new BuyerRatings
            {
                Overall = o.Stars,
                Communication = o.Stars,
                Quality = o.Stars,
                ValueForMoney = Math.Max(1, o.Stars - 1),
                WouldRecommend = o.Stars >= 4,
                PrivateRating = o.Stars * 2,
            },
            Text = o.Stars >= 4 ? "Great work, delivered as described." : "Not what we hoped for, sadly.",
        }, As(buyer)).ResponseAsync, cancellationToken);
        // The seller reviews the buyer: both have reviewed, so the buyer's review is published (SPEC 4).
        await client.Reviews.SubmitSellerReviewAsync(
            new SubmitSellerReviewRequest { RequestId = Id(o, "seller-review"), OrderId = id, Rating = 5, Text = "Clear brief, quick answers." }, As(seller));
    }

    /// <summary>
    /// Places the order, due in three days, or in <see cref="LateDue"/> for a late one. When the
    /// machine is so busy that a late order's due time is less than <c>Orders:MinDueAfter</c> (a
    /// second, <see cref="OrdersSettings"/>) ahead when Orders takes it, Orders refuses it
    /// (INVALID_ARGUMENT naming due_at, nothing stored) and it is placed again with a new due time.
    /// </summary>
    private async Task<Order> PlaceAsync(ScriptedOrder o, string buyer)
    {
        var retryUntil = DateTime.UtcNow + RetryLimit;
        while (true)
        {
            var dueAt = DateTime.UtcNow + (o.Story == OrderStory.Late ? LateDue : TimeSpan.FromDays(3));
            try
            {
                return await client.Orders.PlaceOrderAsync(new PlaceOrderRequest
                {
                    RequestId = Id(o, "place"),
                    GigId = o.GigId,
                    SellerId = o.SellerId,
                    Category = o.Category,
                    Amount = new Money { CurrencyCode = "USD", AmountMinor = o.AmountCents },
                    DueAt = Timestamp.FromDateTime(dueAt),
                    RevisionsIncluded = 1,
                }, As(buyer));
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.InvalidArgument && o.Story == OrderStory.Late
                && e.Status.Detail.StartsWith("due_at ", StringComparison.Ordinal) && DateTime.UtcNow < retryUntil)
            {
                // Too soon to be merely late: try again with a due time ahead of now.
            }
        }
    }

    private async Task ChatAsync(ScriptedOrder o, string orderId, string buyer, string seller, CancellationToken cancellationToken)
    {
        // Messaging learns of the order from an event: retry until it has.
        var conversation = await RetryAsync(() => client.Messaging.StartConversationAsync(new StartConversationRequest
        {
            RequestId = Id(o, "chat"),
            CounterpartId = o.SellerId,
            OrderId = orderId,
            Text = "Could you use a darker blue?",
        }, As(buyer)).ResponseAsync, cancellationToken);
        _conversationIds[o] = conversation.ConversationId;
        await client.Messaging.SendMessageAsync(new SendMessageRequest
        {
            RequestId = Id(o, "reply"),
            ConversationId = conversation.ConversationId,
            Text = "Sure, I will send two shades.",
        }, As(seller));
    }

    /// <summary>
    /// The seller asks for the requirements on the order's conversation and waits: the buyer never
    /// answers, Messaging marks the buyer unresponsive after its window, and Orders learns the mark
    /// from Messaging's event.
    /// </summary>
    private async Task BuyerStaysSilentAsync(ScriptedOrder o, string orderId, string seller, CancellationToken cancellationToken)
    {
        var conversation = await RetryAsync(() => client.Messaging.StartConversationAsync(new StartConversationRequest
        {
            RequestId = Id(o, "ask-requirements"),
            CounterpartId = o.BuyerId,
            OrderId = orderId,
            Text = "Hello! Could you send the requirements (the logo text and colours)? I can start as soon as I have them.",
            NeedsBuyerInput = true, // a request the order needs: only such a message waits on the buyer (SPEC 3)
        }, As(seller)).ResponseAsync, cancellationToken);
        _conversationIds[o] = conversation.ConversationId;

        var deadline = DateTime.UtcNow + MarkLimit;
        while ((await client.Orders.GetOrderAsync(new GetOrderRequest { OrderId = orderId }, As(seller))).BuyerUnresponsiveMarks == 0)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException(
                    $"order {orderId}: no buyer-unresponsive mark from Messaging within {MarkLimit}; does Messaging run with "
                    + string.Join(", ", MessagingSettings.Select(s => $"{s.Key}={s.Value}")) + "?");
            }

            await Task.Delay(250, cancellationToken);
        }
    }

    /// <summary>A claim the order's facts do not support: Orders must refuse it and change nothing.</summary>
    private async Task ClaimRefusedAsync(ScriptedOrder o, string orderId, CancellationReason reason, string seller)
    {
        try
        {
            await CancelAsync(o, orderId, reason, seller, step: "cancel-claim");
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.FailedPrecondition)
        {
            _claims.Enqueue(new ExemptionClaim(o, reason, e.StatusCode, e.Status.Detail));
            return;
        }

        throw new InvalidOperationException($"order {orderId}: Orders accepted {reason} although nothing supports it");
    }

    private Task<Order> CancelAsync(ScriptedOrder o, string orderId, CancellationReason reason, string seller, string step = "cancel") =>
        client.Orders.CancelOrderAsync(new CancelOrderRequest
        {
            RequestId = Id(o, step),
            OrderId = orderId,
            Reason = reason,
            BuyerUnresponsive = reason == CancellationReason.BuyerUnresponsive,
            Note = "Cancelled by the scenario.",
        }, As(seller)).ResponseAsync;

    private static string Id(ScriptedOrder o, string step) => $"{o.Label}-{step}";

    /// <summary>
    /// Retries a call while the service has not yet seen an event it needs: FAILED_PRECONDITION (the
    /// order's completion has not arrived), or PERMISSION_DENIED (no event of the order has: an order a
    /// service has not heard of has no parties there, and permission is checked before existence).
    /// </summary>
    private static async Task<T> RetryAsync<T>(Func<Task<T>> call, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + RetryLimit;
        while (true)
        {
            try
            {
                return await call();
            }
            catch (RpcException e) when (e.StatusCode is StatusCode.PermissionDenied or StatusCode.FailedPrecondition && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100, cancellationToken);
            }
        }
    }
}
