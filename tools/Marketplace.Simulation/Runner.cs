using System.Collections.Concurrent;
using System.Diagnostics;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Marketplace.Contracts.Common.V1;
using Marketplace.Contracts.Messaging.V1;
using Marketplace.Contracts.Orders.V1;
using Marketplace.Contracts.Reviews.V1;
using Marketplace.Hosting.Identity;
using Marketplace.Hosting.Time;
using Marketplace.Scenario;
using StackExchange.Redis;
using static Marketplace.Scenario.PlatformClient;

namespace Marketplace.Simulation;

/// <summary>Where a run is, for the progress display.</summary>
public sealed record RunProgress(DateTimeOffset SimulatedNow, int Slot, int TotalSlots, int OrdersPlaced, int TotalOrders,
    long EventsBehind, long Calls, TimeSpan Elapsed, TimeSpan ClockTime = default, int ClockStops = 0);

/// <summary>
/// Drives a <see cref="Plan"/> through the services' gRPC APIs on the platform's simulated clock:
/// for each slot with work, the clock is moved to it (the driver stops at every due time on the
/// way and waits until every loop and consumer has caught up: auto-completions, review windows,
/// unresponsive marks, daily evaluations), then every order's steps of that slot run, orders side
/// by side, each order's steps in sequence, each party with its own token. Scoring hears of all of
/// it only through events.
/// </summary>
public sealed class Runner
{
    private readonly PlatformClient _client;
    private readonly IConnectionMultiplexer _redis;
    private readonly SimulatedClockDriver _driver;
    private readonly ConcurrentDictionary<(string, CallerRole, bool), (string Bearer, DateTime Issued)> _tokens = new();
    private readonly RunRecord _record = new();
    private int _placed;
    private SimulationOptions? _options;

    public Runner(PlatformClient client, IConnectionMultiplexer redis, SimulatedClockDriver driver)
    {
        _client = client;
        _redis = redis;
        _driver = driver;
    }

    /// <summary>The event bus's topics (one per service).</summary>
    public static readonly IReadOnlyList<string> Topics = ["orders", "reviews", "messaging", "scoring"];

    public async Task<RunRecord> RunAsync(Plan plan, IProgress<RunProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var options = _options = plan.Options;
        var now = await _driver.NowAsync() ?? throw new InvalidOperationException("the simulated clock is not set: start the services with Platform:Clock=Simulated");
        if (now > options.Start)
        {
            throw new InvalidOperationException($"the simulated clock is at {now:O}, after the simulation's start {options.Start:O}: start from a fresh platform");
        }

        // For each slot, the orders with steps then (and which of their steps).
        var bySlot = new SortedDictionary<int, List<(PlannedOrder Order, OrderRun Run, int From, int Count)>>();
        foreach (var order in plan.Orders)
        {
            var run = new OrderRun();
            for (int i = 0; i < order.Steps.Count;)
            {
                int slot = order.Steps[i].Slot;
                int j = i;
                while (j < order.Steps.Count && order.Steps[j].Slot == slot)
                {
                    j++;
                }

                if (!bySlot.TryGetValue(slot, out var list))
                {
                    bySlot[slot] = list = [];
                }

                list.Add((order, run, i, j - i));
                i = j;
            }
        }

        var wall = Stopwatch.StartNew();
        _record.Started = DateTimeOffset.UtcNow;
        foreach (var (slot, work) in bySlot)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var at = options.TimeOf(slot);
            if (at > options.End)
            {
                break;
            }

            long clockStarted = Stopwatch.GetTimestamp();
            var advance = await AdvanceAsync(at, cancellationToken);
            _record.ClockStops += advance.Steps;
            _record.ClockRounds += advance.Rounds;
            _record.ClockTime += Stopwatch.GetElapsedTime(clockStarted);
            long callsStarted = Stopwatch.GetTimestamp();
            await Parallel.ForEachAsync(work, new ParallelOptions { MaxDegreeOfParallelism = options.Parallelism, CancellationToken = cancellationToken },
                async (item, ct) =>
                {
                    for (int i = item.From; i < item.From + item.Count && !item.Run.Broken; i++)
                    {
                        await ExecuteAsync(item.Order, item.Run, i, ct);
                    }
                });

            _record.CallTime += Stopwatch.GetElapsedTime(callsStarted);
            long behind = await EventsBehindAsync();
            _record.WorstLag = Math.Max(_record.WorstLag, behind);
            progress?.Report(new RunProgress(at, slot, options.TotalSlots, Volatile.Read(ref _placed), plan.Orders.Count, behind,
                _record.Calls, wall.Elapsed, _record.ClockTime, _record.ClockStops));
        }

        var end = await AdvanceAsync(options.End, cancellationToken);
        _record.ClockStops += end.Steps;
        _record.ClockRounds += end.Rounds;
        _record.Wall = wall.Elapsed;
        _record.Finished = DateTimeOffset.UtcNow;
        progress?.Report(new RunProgress(options.End, options.TotalSlots, options.TotalSlots, Volatile.Read(ref _placed), plan.Orders.Count, 0,
            _record.Calls, wall.Elapsed));
        return _record;
    }

    /// <summary>Moves the clock; when the platform does not come to rest, says which loops were still busy.</summary>
    private async Task<ClockAdvance> AdvanceAsync(DateTimeOffset to, CancellationToken cancellationToken)
    {
        try
        {
            // Stops only on slots: an item due between two slots (Messaging's waits and Reviews' window
            // ends fall 1 ms after one) is handled at the next slot, before that slot's calls.
            return await _driver.AdvanceToAsync(to, cancellationToken, _options!.Slot);
        }
        catch (TimeoutException e)
        {
            var loops = await _redis.GetDatabase().HashGetAllAsync(ClockKeys.Loops);
            throw new TimeoutException(e.Message + "; loops (round, handled, next due ms): "
                + string.Join(", ", loops.Select(l => $"{l.Name}={l.Value}")), e);
        }
    }

    /// <summary>Entries the consumer groups have not yet handled, over every topic (read by entries delivered and pending).</summary>
    private async Task<long> EventsBehindAsync()
    {
        var db = _redis.GetDatabase();
        long behind = 0;
        foreach (var topic in Topics)
        {
            behind += await db.StreamLengthAsync(topic + ":outbox");
            if (!await db.KeyExistsAsync(topic))
            {
                continue;
            }

            foreach (var group in await db.StreamGroupInfoAsync(topic))
            {
                behind += Math.Max(0, group.Lag ?? 0) + group.PendingMessageCount;
            }
        }

        return behind;
    }

    private string Token(string subject, CallerRole role, bool alsoSeller = false)
    {
        var key = (subject, role, alsoSeller);
        if (_tokens.TryGetValue(key, out var token) && DateTime.UtcNow - token.Issued < TimeSpan.FromMinutes(30))
        {
            return token.Bearer;
        }

        string bearer = alsoSeller ? _client.Bearer(subject, role, CallerRole.Seller) : _client.Bearer(subject, role);
        _tokens[key] = (bearer, DateTime.UtcNow);
        return bearer;
    }

    private Metadata Caller(PlannedOrder order, Party party) => As(party switch
    {
        Party.Buyer => Token(order.Buyer.Id, CallerRole.Buyer, order.Buyer.HasSellerAccount),
        Party.Seller => Token(order.Gig.Seller.Id, CallerRole.Seller),
        Party.Support => Token("support-sim", CallerRole.Support),
        _ => Token("payments-sim", CallerRole.Internal),
    });

    private async Task ExecuteAsync(PlannedOrder order, OrderRun run, int index, CancellationToken cancellationToken)
    {
        var step = order.Steps[index];
        try
        {
            string? note = await CallAsync(order, run, index, cancellationToken);
            if (step.Refused)
            {
                // The platform took a claim its facts do not support: the order changed, stop its story.
                _record.Attempt(step.Attempt ?? step.Act.ToString(), refused: false, "accepted without the facts");
                _record.Fail(order, step, StatusCode.OK, "the platform accepted an attempt it must refuse");
                run.Broken = true;
                return;
            }

            _record.Count(note ?? step.Act.ToString());
        }
        catch (RpcException e) when (step.Refused && e.StatusCode == StatusCode.FailedPrecondition)
        {
            _record.Attempt(step.Attempt ?? step.Act.ToString(), refused: true, e.Status.Detail);
        }
        catch (RpcException e) when (!cancellationToken.IsCancellationRequested)
        {
            _record.Fail(order, step, e.StatusCode, e.Status.Detail);
            run.Broken = true;
        }
    }

    /// <summary>Makes the step's call; returns what to count it as when that is not the act's name.</summary>
    private async Task<string?> CallAsync(PlannedOrder order, OrderRun run, int index, CancellationToken ct)
    {
        var step = order.Steps[index];
        var who = Caller(order, step.By);
        string requestId = $"{order.Label}-{index}-{step.Act}";
        switch (step.Act)
        {
            case Act.Place:
                var placed = await Timed("orders", () => _client.Orders.PlaceOrderAsync(new PlaceOrderRequest
                {
                    RequestId = requestId,
                    GigId = order.Gig.Id,
                    SellerId = order.Gig.Seller.Id,
                    Category = order.Gig.Category,
                    Amount = new Money { CurrencyCode = "USD", AmountMinor = order.AmountCents },
                    DueAt = Timestamp.FromDateTimeOffset(_options!.TimeOf(order.DueSlot)),
                    RevisionsIncluded = order.Gig.RevisionsIncluded,
                }, who, cancellationToken: ct).ResponseAsync);
                run.OrderId = placed.OrderId;
                Interlocked.Increment(ref _placed);
                return null;
            case Act.Requirements:
                await Timed("orders", () => _client.Orders.SubmitRequirementsAsync(new SubmitRequirementsRequest
                {
                    RequestId = requestId, OrderId = run.OrderId, Requirements = "Brief attached: our name, two colours, the style we like.",
                }, who, cancellationToken: ct).ResponseAsync);
                return null;
            case Act.Start:
                await Timed("orders", () => _client.Orders.StartWorkAsync(new StartWorkRequest { RequestId = requestId, OrderId = run.OrderId }, who, cancellationToken: ct).ResponseAsync);
                return null;
            case Act.Deliver:
                await Timed("orders", () => _client.Orders.DeliverOrderAsync(new DeliverOrderRequest { RequestId = requestId, OrderId = run.OrderId, Message = "Here is the work." }, who, cancellationToken: ct).ResponseAsync);
                return null;
            case Act.RequestRevision:
                await Timed("orders", () => _client.Orders.RequestRevisionAsync(new RequestRevisionRequest { RequestId = requestId, OrderId = run.OrderId, Details = "Could you change the colours?" }, who, cancellationToken: ct).ResponseAsync);
                return null;
            case Act.DeclineRevision:
                await Timed("orders", () => _client.Orders.DeclineRevisionAsync(new DeclineRevisionRequest { RequestId = requestId, OrderId = run.OrderId, Message = "That is beyond the revisions included." }, who, cancellationToken: ct).ResponseAsync);
                return null;
            case Act.Accept:
                await Timed("orders", () => _client.Orders.AcceptDeliveryAsync(new AcceptDeliveryRequest { RequestId = requestId, OrderId = run.OrderId }, who, cancellationToken: ct).ResponseAsync);
                return null;
            case Act.Cancel:
                await Timed("orders", () => _client.Orders.CancelOrderAsync(new CancelOrderRequest
                {
                    RequestId = requestId, OrderId = run.OrderId, Reason = step.Reason, BuyerUnresponsive = step.Flag, Note = "Cancelled in the simulation.",
                }, who, cancellationToken: ct).ResponseAsync);
                return $"Cancel {step.Reason}";
            case Act.OpenExtension:
            case Act.OpenCancellationRequest:
            case Act.OpenRefund:
                var request = new OpenResolutionRequest { RequestId = requestId, OrderId = run.OrderId, Message = "Asked in the simulation." };
                if (step.Act == Act.OpenExtension)
                {
                    request.Kind = ResolutionKind.Extension;
                    request.ExtendBy = Duration.FromTimeSpan(TimeSpan.FromHours(step.Value));
                }
                else if (step.Act == Act.OpenRefund)
                {
                    request.Kind = ResolutionKind.PartialRefund;
                    request.Refund = new Money { CurrencyCode = "USD", AmountMinor = step.Value };
                }
                else
                {
                    request.Kind = ResolutionKind.Cancellation;
                    request.CancellationReason = step.Reason;
                }

                var opened = await Timed("orders", () => _client.Orders.OpenResolutionAsync(request, who, cancellationToken: ct).ResponseAsync);
                run.ResolutionId = opened.Resolutions[^1].ResolutionId;
                return null;
            case Act.RespondToResolution:
                await Timed("orders", () => _client.Orders.RespondToResolutionAsync(new RespondToResolutionRequest
                {
                    RequestId = requestId, OrderId = run.OrderId, ResolutionId = run.ResolutionId, Accept = step.Flag, Message = step.Flag ? "Agreed." : "No.",
                }, who, cancellationToken: ct).ResponseAsync);
                return step.Flag ? "Resolution accepted" : "Resolution rejected (dispute)";
            case Act.Escalate:
                await Timed("orders", () => _client.Orders.EscalateResolutionAsync(new EscalateResolutionRequest
                {
                    RequestId = requestId, OrderId = run.OrderId, ResolutionId = run.ResolutionId, Message = "Please decide.",
                }, who, cancellationToken: ct).ResponseAsync);
                return null;
            case Act.ResolveDispute:
                await Timed("orders", () => _client.Orders.ResolveDisputeAsync(new ResolveDisputeRequest
                {
                    RequestId = requestId, OrderId = run.OrderId, ResolutionId = run.ResolutionId, Grant = step.Flag, InSellersFavour = false, Note = "Decided by support.",
                }, who, cancellationToken: ct).ResponseAsync);
                return step.Flag ? "Dispute granted by support" : "Dispute declined by support";
            case Act.AskRequirements:
            case Act.Question:
                var conversation = await Timed("messaging", () => _client.Messaging.StartConversationAsync(new StartConversationRequest
                {
                    RequestId = requestId,
                    OrderId = run.OrderId,
                    CounterpartId = step.Act == Act.Question ? order.Gig.Seller.Id : order.Buyer.Id,
                    Text = step.Act == Act.Question ? "Quick question: can you use our existing fonts?" : "Hello! Could you send the requirements? I can start as soon as I have them.",
                    // The seller's request waits on the buyer (SPEC 3); the buyer's question asks nothing of the seller's kind.
                    NeedsBuyerInput = step.Act == Act.AskRequirements,
                }, who, cancellationToken: ct).ResponseAsync);
                run.ConversationId = conversation.ConversationId;
                return null;
            case Act.Reply:
            case Act.BuyerMessage:
                await Timed("messaging", () => _client.Messaging.SendMessageAsync(new SendMessageRequest
                {
                    RequestId = requestId, ConversationId = run.ConversationId, Text = step.Act == Act.Reply ? "Yes, that works." : "Thanks!",
                }, who, cancellationToken: ct).ResponseAsync);
                return null;
            case Act.ReviewRequest:
                await Timed("messaging", () => _client.Messaging.SendReviewRequestAsync(new SendReviewRequestRequest
                {
                    RequestId = requestId, ConversationId = run.ConversationId, Text = step.Text,
                }, who, cancellationToken: ct).ResponseAsync);
                return null;
            case Act.BuyerReview:
                await Timed("reviews", () => _client.Reviews.SubmitBuyerReviewAsync(Review(requestId, run.OrderId!, step.Ratings!), who, cancellationToken: ct).ResponseAsync);
                return null;
            case Act.SellerReview:
                await Timed("reviews", () => _client.Reviews.SubmitSellerReviewAsync(new SubmitSellerReviewRequest
                {
                    RequestId = requestId, OrderId = run.OrderId, Rating = step.Value, Text = step.Text,
                }, who, cancellationToken: ct).ResponseAsync);
                return null;
            case Act.SellerResponse:
                await Timed("reviews", () => _client.Reviews.PostSellerResponseAsync(new PostSellerResponseRequest
                {
                    RequestId = requestId, OrderId = run.OrderId, Text = step.Text,
                }, who, cancellationToken: ct).ResponseAsync);
                return null;
            case Act.RemoveReview:
                await Timed("reviews", () => _client.Reviews.RemoveReviewAsync(new RemoveReviewRequest
                {
                    RequestId = requestId, OrderId = run.OrderId, Reason = step.Text,
                }, who, cancellationToken: ct).ResponseAsync);
                return null;
            case Act.CancelledOrderReview:
                var eligibility = await Timed("reviews", () => _client.Reviews.GetCancelledOrderReviewEligibilityAsync(
                    new GetCancelledOrderReviewEligibilityRequest { OrderId = run.OrderId }, who, cancellationToken: ct).ResponseAsync);
                if (!eligibility.Eligible)
                {
                    return "Cancelled order not eligible: " + eligibility.FailedRule.ToString();
                }

                await Timed("reviews", () => _client.Reviews.SubmitBuyerReviewAsync(Review(requestId, run.OrderId!, step.Ratings!), who, cancellationToken: ct).ResponseAsync);
                return "Cancelled order reviewed";
            default:
                throw new InvalidOperationException($"no call for {step.Act}");
        }
    }

    /// <summary>Times one call into its service's latencies.</summary>
    private async Task<T> Timed<T>(string service, Func<Task<T>> call)
    {
        long started = Stopwatch.GetTimestamp();
        try
        {
            return await call();
        }
        finally
        {
            _record.Latency(service, Stopwatch.GetElapsedTime(started));
        }
    }

    private static SubmitBuyerReviewRequest Review(string requestId, string orderId, PlannedRatings r)
    {
        var ratings = new BuyerRatings
        {
            Overall = r.Overall,
            Communication = r.Communication,
            Quality = r.Quality,
            ValueForMoney = r.Value,
            WouldRecommend = r.WouldRecommend,
        };
        if (r.Private is { } privateRating)
        {
            ratings.PrivateRating = privateRating;
        }

        return new SubmitBuyerReviewRequest { RequestId = requestId, OrderId = orderId, Ratings = ratings, Text = r.Text };
    }
}

/// <summary>What the runner knows of one order while it runs: the ids the services gave.</summary>
internal sealed class OrderRun
{
    public string? OrderId { get; set; }

    public string? ConversationId { get; set; }

    public string? ResolutionId { get; set; }

    /// <summary>A call failed: the rest of the story is skipped (and the failure reported).</summary>
    public bool Broken { get; set; }
}
