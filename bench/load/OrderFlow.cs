using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Marketplace.Contracts.Common.V1;
using Marketplace.Contracts.Orders.V1;
using Marketplace.Contracts.Reviews.V1;
using Marketplace.Contracts.Scoring.V1;
using Marketplace.Hosting.Identity;
using Marketplace.Scenario;
using static Marketplace.Scenario.PlatformClient;

namespace Marketplace.Bench.Load;

/// <summary>Bearer values made once per party (signing a JWT per call would load the generator, not the services).</summary>
public sealed class Tokens(PlatformClient client)
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string, CallerRole), Metadata> _cache = new();

    public Metadata Buyer(string id) => Get(id, CallerRole.Buyer);

    public Metadata Seller(string id) => Get(id, CallerRole.Seller);

    public Metadata Internal => Get("bench-load", CallerRole.Internal);

    private Metadata Get(string id, CallerRole role) => _cache.GetOrAdd((id, role), key => As(client.Bearer(key.Item1, key.Item2)));
}

/// <summary>
/// One order's life as the traffic drives it, one RPC per step: place (buyer), requirements (buyer),
/// start (seller), deliver (seller), accept (buyer). Each step has its own request id.
/// </summary>
public sealed class OrderFlow(Gig gig, string buyerId, string label)
{
    public static readonly string[] StepNames = ["PlaceOrder", "SubmitRequirements", "StartWork", "DeliverOrder", "AcceptDelivery"];

    private string? _orderId;

    public int Step { get; private set; }

    public bool Done => Step == StepNames.Length;

    public string Name => StepNames[Step];

    public string OrderId => _orderId ?? throw new InvalidOperationException("not placed yet");

    public string BuyerId => buyerId;

    /// <summary>Runs the next step; the step advances only when the call succeeded.</summary>
    public async Task NextAsync(PlatformClient client, Tokens tokens)
    {
        var buyer = tokens.Buyer(buyerId);
        var seller = tokens.Seller(gig.SellerId);
        string id = $"{label}-{Step}";
        switch (Step)
        {
            case 0:
                var order = await client.Orders.PlaceOrderAsync(new PlaceOrderRequest
                {
                    RequestId = id,
                    GigId = gig.GigId,
                    SellerId = gig.SellerId,
                    Category = gig.Category,
                    Amount = new Money { CurrencyCode = "USD", AmountMinor = gig.AmountCents },
                    DueAt = Timestamp.FromDateTime(DateTime.UtcNow.AddDays(3)),
                    RevisionsIncluded = 1,
                }, buyer);
                _orderId = order.OrderId;
                break;
            case 1:
                await client.Orders.SubmitRequirementsAsync(new SubmitRequirementsRequest { RequestId = id, OrderId = OrderId, Requirements = "A logo, blue and white." }, buyer);
                break;
            case 2:
                await client.Orders.StartWorkAsync(new StartWorkRequest { RequestId = id, OrderId = OrderId }, seller);
                break;
            case 3:
                await client.Orders.DeliverOrderAsync(new DeliverOrderRequest { RequestId = id, OrderId = OrderId, Message = "Here it is." }, seller);
                break;
            case 4:
                await client.Orders.AcceptDeliveryAsync(new AcceptDeliveryRequest { RequestId = id, OrderId = OrderId }, buyer);
                break;
        }

        Step++;
    }
}

/// <summary>Fills the marketplace before the measured traffic: every Gig gets reviewed, completed orders, then one evaluation.</summary>
public static class Seeding
{
    public static async Task RunAsync(PlatformClient client, World world, int inFlight)
    {
        var tokens = new Tokens(client);
        var random = new Random(20261201);
        var work = world.Gigs
            .SelectMany(gig => Enumerable.Range(0, world.OrdersPerGig).Select(i => (gig, buyer: world.Buyers[random.Next(world.Buyers.Count)], i)))
            .ToList();
        await Parallel.ForEachAsync(work, new ParallelOptions { MaxDegreeOfParallelism = inFlight }, async (item, cancellationToken) =>
        {
            string label = $"seed-{world.RunId}-{item.gig.GigId}-{item.i}";
            var flow = new OrderFlow(item.gig, item.buyer, label);
            while (!flow.Done)
            {
                await flow.NextAsync(client, tokens);
            }

            world.Add(new KnownOrder(flow.OrderId, item.buyer));
            int stars = 3 + (item.i + item.gig.GigId.Length) % 3;
            // Reviews learns of the completion from an event: retry until it has.
            await RetryAsync(() => client.Reviews.SubmitBuyerReviewAsync(new SubmitBuyerReviewRequest
            {
                RequestId = label + "-review",
                OrderId = flow.OrderId,
                Ratings = new BuyerRatings
                {
                    Overall = stars, Communication = stars, Quality = stars, ValueForMoney = stars,
                    WouldRecommend = stars >= 4, PrivateRating = stars * 2,
                },
                Text = "Good work.",
            }, tokens.Buyer(item.buyer)).ResponseAsync, cancellationToken);
            await client.Reviews.SubmitSellerReviewAsync(
                new SubmitSellerReviewRequest { RequestId = label + "-seller-review", OrderId = flow.OrderId, Rating = 5, Text = "Clear brief." },
                tokens.Seller(item.gig.SellerId));
        });
        world.RefreshSnapshot();
    }

    public static async Task EvaluateAsync(PlatformClient client) =>
        await client.Scoring.RunEvaluationAsync(new RunEvaluationRequest { RequestId = "bench-load-" + Guid.NewGuid().ToString("N") }, new Tokens(client).Internal);

    private static async Task<T> RetryAsync<T>(Func<Task<T>> call, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            try
            {
                return await call();
            }
            catch (RpcException e) when (e.StatusCode is StatusCode.PermissionDenied or StatusCode.FailedPrecondition && DateTime.UtcNow < deadline)
            {
                await Task.Delay(50, cancellationToken);
            }
        }
    }
}
