using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Marketplace.Contracts.Common.V1;
using Marketplace.Contracts.Orders.V1;
using Marketplace.Hosting.Identity;
using Marketplace.Orders.Store;
using Marketplace.Testing;
using Xunit;
using static Marketplace.Clients.PlatformClients;
using OrderMessage = Marketplace.Contracts.Orders.V1.Order;

namespace Marketplace.Orders.Tests.Service;

/// <summary>
/// Issue 12, holes 6, 7 and 11 on the Orders side: a request id reused with another payload,
/// the buyer's seller account kept with the order, and every number or time a request carries
/// bounded by policy so nothing accepted overflows a sum or a date later.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class PlacementAttackTests(RedisFixture redis) : IAsyncLifetime
{
    private OrdersHarness _orders = null!;

    public async Task InitializeAsync() => _orders = await OrdersHarness.StartAsync(redis);

    public async Task DisposeAsync() => await _orders.DisposeAsync();

    [Fact]
    public async Task Hole11_PlaceOrder_with_the_int64_maximum_amount_is_invalid_argument_naming_the_field_and_the_limit_and_stores_nothing()
    {
        var parties = new Parties();
        foreach (var amount in new[] { long.MaxValue, 10_000_000_001L })
        {
            var request = OrdersHarness.ValidPlacement(parties);
            request.Amount = new Money { CurrencyCode = "USD", AmountMinor = amount };
            await Attack.RefusedAsync(StatusCode.InvalidArgument, () => Place(request, parties.Buyer),
                "amount.amount_minor", "10000000000", "Orders:MaxAmountMinor", amount.ToString(CultureInfo.InvariantCulture));
        }

        Assert.False(await _orders.Redis.KeyExistsAsync(OrderKeys.AccountOrders(parties.BuyerId)));
        Assert.False(await _orders.Redis.KeyExistsAsync(OrderKeys.AccountOrders(parties.SellerId)));

        // The limit itself is a valid amount.
        var atLimit = OrdersHarness.ValidPlacement(parties);
        atLimit.Amount = new Money { CurrencyCode = "USD", AmountMinor = 10_000_000_000L };
        Assert.Equal(10_000_000_000L, (await Place(atLimit, parties.Buyer)).Amount.AmountMinor);
    }

    [Fact]
    public async Task An_order_in_a_currency_Scoring_has_no_rate_for_is_refused_at_the_door_naming_the_setting_and_stores_nothing()
    {
        // Accepted, it would reach Scoring, which cannot weigh it: retried, dead-lettered, never scored.
        var parties = new Parties();
        var euro = OrdersHarness.ValidPlacement(parties);
        euro.Amount = new Money { CurrencyCode = "EUR", AmountMinor = 10_000 };
        await Attack.RefusedAsync(StatusCode.InvalidArgument, () => Place(euro, parties.Buyer), "amount.currency_code 'EUR'", "USD", "Orders:Currencies");
        Assert.False(await _orders.Redis.KeyExistsAsync(OrderKeys.AccountOrders(parties.BuyerId)));

        // An operator who configures a rate in Scoring lists the currency here too.
        await using var withEuro = await OrdersHarness.StartAsync(redis, new Dictionary<string, string?> { ["Orders:Currencies"] = "USD,EUR" });
        var placed = await withEuro.Client.PlaceOrderAsync(euro, Authorization(parties.Buyer));
        Assert.Equal("EUR", placed.Amount.CurrencyCode);
    }

    [Fact]
    public async Task Hole11_due_times_and_included_revisions_beyond_the_policy_are_invalid_argument_and_store_nothing()
    {
        var parties = new Parties();
        var farFuture = OrdersHarness.ValidPlacement(parties);
        farFuture.DueAt = Timestamp.FromDateTimeOffset(new DateTimeOffset(9999, 12, 31, 0, 0, 0, TimeSpan.Zero));
        await Attack.RefusedAsync(StatusCode.InvalidArgument, () => Place(farFuture, parties.Buyer), "due_at", "Orders:MaxDueAfter");

        var pastHorizon = OrdersHarness.ValidPlacement(parties, dueIn: TimeSpan.FromDays(366));
        await Attack.RefusedAsync(StatusCode.InvalidArgument, () => Place(pastHorizon, parties.Buyer), "due_at", "365.00:00:00");

        // Due an hour after placing: late at will, then cancelled alone by the buyer as late.
        var lateAtWill = OrdersHarness.ValidPlacement(parties, dueIn: TimeSpan.FromHours(1));
        await Attack.RefusedAsync(StatusCode.InvalidArgument, () => Place(lateAtWill, parties.Buyer), "due_at", "at least 1.00:00:00", "Orders:MinDueAfter");

        var revisions = OrdersHarness.ValidPlacement(parties);
        revisions.RevisionsIncluded = int.MaxValue;
        await Attack.RefusedAsync(StatusCode.InvalidArgument, () => Place(revisions, parties.Buyer), "revisions_included", "Orders:MaxRevisionsIncluded");

        Assert.False(await _orders.Redis.KeyExistsAsync(OrderKeys.AccountOrders(parties.BuyerId)));
    }

    [Fact]
    public async Task Hole11_a_partial_refund_that_would_overflow_the_refunded_sum_is_refused_and_changes_nothing()
    {
        var parties = new Parties();
        var order = await _orders.OrderInStateAsync(parties, OrderState.InProgress);
        var opened = await OpenRefund(order.OrderId, parties.Buyer, 100);
        await _orders.Client.RespondToResolutionAsync(new RespondToResolutionRequest
        {
            RequestId = OrdersHarness.NewRequestId(), OrderId = order.OrderId, ResolutionId = opened.Resolutions[0].ResolutionId, Accept = true,
        }, Authorization(parties.Seller));
        var before = await _orders.StoredAsync(order.OrderId);
        Assert.Equal("100", before["refunded_minor"]);

        // 100 + int64 max wraps to a negative sum, which "stays below the amount".
        await Attack.RefusedAsync(StatusCode.InvalidArgument, () => OpenRefund(order.OrderId, parties.Buyer, long.MaxValue),
            "refund.amount_minor", "4500");
        await _orders.AssertUnchangedAsync(order.OrderId, before);
    }

    [Fact]
    public async Task Hole11_an_extension_beyond_the_policy_length_or_horizon_is_refused_so_a_silent_buyer_cannot_accept_it()
    {
        var parties = new Parties();
        var order = await _orders.OrderInStateAsync(parties, OrderState.InProgress);
        var before = await _orders.StoredAsync(order.OrderId);
        await Attack.RefusedAsync(StatusCode.InvalidArgument, () => OpenExtension(order.OrderId, parties.Seller, TimeSpan.FromDays(10_000)),
            "extend_by", "Orders:MaxExtension");
        await _orders.AssertUnchangedAsync(order.OrderId, before);

        // Each extension within the limit, but the due time would leave the horizon of its placement.
        var distant = await _orders.PlaceAsync(parties, dueIn: TimeSpan.FromDays(360));
        var distantBefore = await _orders.StoredAsync(distant.OrderId);
        await Attack.RefusedAsync(StatusCode.InvalidArgument, () => OpenExtension(distant.OrderId, parties.Seller, TimeSpan.FromDays(10)),
            "extend_by", "Orders:MaxDueAfter");
        await _orders.AssertUnchangedAsync(distant.OrderId, distantBefore);
    }

    [Fact]
    public async Task Hole7_whether_the_buyer_holds_a_seller_account_is_recorded_from_the_placing_token_and_kept_with_the_order()
    {
        var parties = new Parties();
        var both = TestIdentity.Bearer(parties.BuyerId, CallerRole.Buyer, CallerRole.Seller);
        var withAccount = await Place(OrdersHarness.ValidPlacement(parties), both);
        var without = await _orders.PlaceAsync(parties);
        Assert.True(withAccount.BuyerHasSellerAccount);
        Assert.False(without.BuyerHasSellerAccount);

        // The same answer whoever reads it, and whatever token the buyer uses later.
        await _orders.Client.SubmitRequirementsAsync(
            new SubmitRequirementsRequest { RequestId = OrdersHarness.NewRequestId(), OrderId = without.OrderId, Requirements = "r" }, Authorization(both));
        foreach (var reader in new[] { parties.Buyer, parties.Seller, parties.Support, TestIdentity.Bearer("ranking", CallerRole.Internal) })
        {
            Assert.True((await Get(withAccount.OrderId, reader)).BuyerHasSellerAccount);
            Assert.False((await Get(without.OrderId, reader)).BuyerHasSellerAccount);
        }

        Assert.Equal("1", (await _orders.StoredAsync(withAccount.OrderId))["buyer_has_seller_account"]);
        Assert.Equal("0", (await _orders.StoredAsync(without.OrderId))["buyer_has_seller_account"]);
        var events = await _orders.WaitForEventsAsync(withAccount.OrderId, 1);
        Assert.True(Assert.IsType<OrderPlaced>(events[0].Payload).Order.BuyerHasSellerAccount);
        var later = await _orders.WaitForEventsAsync(without.OrderId, 2);
        Assert.False(Assert.IsType<RequirementsSubmitted>(later[1].Payload).Order.BuyerHasSellerAccount);
    }

    [Fact]
    public async Task Hole6_PlaceOrder_reusing_a_request_id_with_another_amount_is_already_exists_and_places_nothing_more()
    {
        var parties = new Parties();
        var first = OrdersHarness.ValidPlacement(parties);
        var placed = await Place(first, parties.Buyer);
        var other = first.Clone();
        other.Amount = new Money { CurrencyCode = "USD", AmountMinor = 1 };

        await Attack.RefusedAsync(StatusCode.AlreadyExists, () => Place(other, parties.Buyer), "request_id");
        Assert.Equal(placed, await Place(first, parties.Buyer));
        Assert.Equal([placed.OrderId], (await _orders.Redis.SortedSetRangeByRankAsync(OrderKeys.AccountOrders(parties.BuyerId))).Select(v => (string)v!));
    }

    /// <summary>
    /// The attack: a buyer names a known Gig with another seller (their accomplice, or anyone). Before,
    /// Orders accepted it and Scoring, which keeps one seller per Gig, dead-lettered the order: an
    /// order both parties saw that never counted anywhere, or, placed first for a new Gig, a Gig
    /// squatted so that every later order of its real seller was dead-lettered.
    /// </summary>
    [Fact]
    public async Task An_order_naming_another_seller_for_a_known_Gig_is_failed_precondition_naming_both_and_stores_nothing()
    {
        var owner = new Parties();
        var other = new Parties();
        var first = OrdersHarness.ValidPlacement(owner);
        await Place(first, owner.Buyer);

        var squat = OrdersHarness.ValidPlacement(other);
        squat.GigId = first.GigId;
        await Attack.RefusedAsync(StatusCode.FailedPrecondition, () => Place(squat, other.Buyer),
            $"gig_id {first.GigId}", $"seller {owner.SellerId}", $"seller_id {other.SellerId}", "a Gig has one seller");
        Assert.False(await _orders.Redis.KeyExistsAsync(OrderKeys.AccountOrders(other.BuyerId)));
        Assert.False(await _orders.Redis.KeyExistsAsync(OrderKeys.AccountOrders(other.SellerId)));
        Assert.Equal(owner.SellerId, (string?)await _orders.Redis.StringGetAsync(OrderKeys.GigSeller(first.GigId)));

        // Any buyer may order the Gig from its seller.
        var fromAnotherBuyer = OrdersHarness.ValidPlacement(other);
        fromAnotherBuyer.GigId = first.GigId;
        fromAnotherBuyer.SellerId = owner.SellerId;
        Assert.Equal(owner.SellerId, (await Place(fromAnotherBuyer, other.Buyer)).SellerId);
    }

    /// <summary>Two first orders of a new Gig naming different sellers at the same time: one binds it, the other is refused.</summary>
    [Fact]
    public async Task Two_first_orders_of_a_Gig_naming_different_sellers_at_once_bind_it_to_one()
    {
        var gig = "gig-race-" + Guid.NewGuid().ToString("N");
        var a = new Parties();
        var b = new Parties();
        var requests = new[] { (a, OrdersHarness.ValidPlacement(a)), (b, OrdersHarness.ValidPlacement(b)) };
        foreach (var (_, request) in requests)
        {
            request.GigId = gig;
        }

        var outcomes = await Task.WhenAll(requests.Select(async r =>
        {
            try
            {
                return (await Place(r.Item2, r.Item1.Buyer)).SellerId;
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.FailedPrecondition)
            {
                return null;
            }
        }));

        var bound = (string?)await _orders.Redis.StringGetAsync(OrderKeys.GigSeller(gig));
        Assert.Equal([bound], outcomes.Where(o => o is not null));
        Assert.Contains(bound, new[] { a.SellerId, b.SellerId });
    }

    private Task<OrderMessage> Place(PlaceOrderRequest request, string bearer) =>
        _orders.Client.PlaceOrderAsync(request, Authorization(bearer)).ResponseAsync;

    private Task<OrderMessage> Get(string orderId, string bearer) =>
        _orders.Client.GetOrderAsync(new GetOrderRequest { OrderId = orderId }, Authorization(bearer)).ResponseAsync;

    private Task<OrderMessage> OpenRefund(string orderId, string bearer, long minor) =>
        _orders.Client.OpenResolutionAsync(new OpenResolutionRequest
        {
            RequestId = OrdersHarness.NewRequestId(), OrderId = orderId, Kind = ResolutionKind.PartialRefund,
            Refund = new Money { CurrencyCode = "USD", AmountMinor = minor },
        }, Authorization(bearer)).ResponseAsync;

    private Task<OrderMessage> OpenExtension(string orderId, string bearer, TimeSpan by) =>
        _orders.Client.OpenResolutionAsync(new OpenResolutionRequest
        {
            RequestId = OrdersHarness.NewRequestId(), OrderId = orderId, Kind = ResolutionKind.Extension, ExtendBy = Duration.FromTimeSpan(by),
        }, Authorization(bearer)).ResponseAsync;
}
