using Grpc.Core;
using Marketplace.Contracts.Orders.V1;
using Marketplace.Hosting.Identity;
using Marketplace.Testing;
using Microsoft.Extensions.DependencyInjection;
using Xunit;
using static Marketplace.Clients.PlatformClients;

namespace Marketplace.Interop.Tests;

/// <summary>
/// JwtBearer remembers the callers of tokens it validated (ValidatedBearerCache, which took the
/// per-call validation cost off the gRPC benchmark): a remembered token is honoured exactly as
/// long as a fresh validation would honour it, and a refused one is never remembered.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class BearerTokenTests(PlatformFixture platform)
{
    [Fact]
    public async Task A_remembered_token_is_refused_as_expired_once_its_expiry_has_passed()
    {
        // Its own service with no clock skew, so the token's exp is the last moment it may be used.
        await using var host = await ServiceHost.StartAsync("orders", platform.Redis.ConnectionString,
            builder => PlatformServices.Orders.AddParts(builder), PlatformServices.Orders.MapApi,
            new Dictionary<string, string?> { ["Identity:ClockSkewSeconds"] = "0" });
        var client = host.Client<OrdersService.OrdersServiceClient>();
        var issuedAt = DateTime.UtcNow;
        var expires = issuedAt.AddSeconds(6); // long enough for the first two calls on a loaded machine
        string bearer = "Bearer " + TestIdentity.Tokens.Mint("short-lived", [CallerRole.Buyer], expires - issuedAt, issuedAt);

        var first = await client.ListOrdersAsync(new ListOrdersRequest(), Authorization(bearer));
        var second = await client.ListOrdersAsync(new ListOrdersRequest(), Authorization(bearer));
        Assert.Empty(first.Orders);
        Assert.Empty(second.Orders);
        Assert.Equal(1, host.Services.GetRequiredService<ValidatedBearerCache>().Count);

        await Wait.UntilAsync(() => Task.FromResult(DateTime.UtcNow > expires.AddMilliseconds(50)), "the token has expired", TimeSpan.FromSeconds(30));
        var refused = await Assert.ThrowsAsync<RpcException>(async () => await client.ListOrdersAsync(new ListOrdersRequest(), Authorization(bearer)));

        Assert.Equal(StatusCode.Unauthenticated, refused.StatusCode);
        Assert.Contains("expired", refused.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_refused_token_is_not_remembered_and_stays_refused()
    {
        var host = platform[PlatformServices.Orders.Name];
        var cache = host.Services.GetRequiredService<ValidatedBearerCache>();
        var client = host.Client<OrdersService.OrdersServiceClient>();
        string valid = TestIdentity.Bearer("tampered-caller", CallerRole.Buyer);
        string tampered = valid[..^4] + (valid.EndsWith("AAAA", StringComparison.Ordinal) ? "BBBB" : "AAAA");
        int before = cache.Count;

        for (int attempt = 0; attempt < 2; attempt++)
        {
            var refused = await Assert.ThrowsAsync<RpcException>(async () => await client.ListOrdersAsync(new ListOrdersRequest(), Authorization(tampered)));
            Assert.Equal(StatusCode.Unauthenticated, refused.StatusCode);
            Assert.Contains("bad signature", refused.Status.Detail, StringComparison.Ordinal);
        }

        Assert.Equal(before, cache.Count);
    }

    [Fact]
    public async Task A_remembered_token_still_meets_each_policy_on_its_own()
    {
        // The first call (any caller may list) makes the seller's token known; PlaceOrder needs the
        // buyer role, and a known token must not skip that check.
        var host = platform[PlatformServices.Orders.Name];
        var cache = host.Services.GetRequiredService<ValidatedBearerCache>();
        var client = host.Client<OrdersService.OrdersServiceClient>();
        string seller = TestIdentity.Bearer("remembered-seller", CallerRole.Seller);
        await client.ListOrdersAsync(new ListOrdersRequest(), Authorization(seller));
        Assert.NotNull(cache.Find(seller));

        var refused = await Assert.ThrowsAsync<RpcException>(async () => await client.PlaceOrderAsync(
            new PlaceOrderRequest { GigId = "gig-remembered", SellerId = "seller-x" }, Authorization(seller)));

        Assert.Equal(StatusCode.PermissionDenied, refused.StatusCode);
        Assert.Contains("PlaceOrder needs the role buyer", refused.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_token_is_validated_once_however_many_calls_carry_it()
    {
        // Full validation (signature, claims) was the largest cost of an authenticated call; the
        // authentication middleware and each policy must answer a known token from the cache.
        var host = platform[PlatformServices.Orders.Name];
        var cache = host.Services.GetRequiredService<ValidatedBearerCache>();
        var client = host.Client<OrdersService.OrdersServiceClient>();
        string bearer = TestIdentity.Bearer("validated-once", CallerRole.Buyer);
        await client.ListOrdersAsync(new ListOrdersRequest(), Authorization(bearer));
        long after = cache.Validations;

        for (int call = 0; call < 5; call++)
        {
            await client.ListOrdersAsync(new ListOrdersRequest(), Authorization(bearer));
        }

        Assert.Equal(after, cache.Validations);
    }
}
