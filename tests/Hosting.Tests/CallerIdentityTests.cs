using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Marketplace.Contracts.Common.V1;
using Marketplace.Contracts.Orders.V1;
using Marketplace.Hosting.Identity;
using Marketplace.Orders;
using Marketplace.Orders.Api;
using Marketplace.Orders.Store;
using Marketplace.Testing;
using Microsoft.AspNetCore.Builder;
using Xunit;
using static Marketplace.Clients.PlatformClients;

namespace Marketplace.Hosting.Tests;

/// <summary>
/// Who may call, over real gRPC against Orders hosted as its Program.cs does: the JwtBearer handler
/// and the RPC's policy decide before the method runs. A call without a valid token is
/// UNAUTHENTICATED saying what is wrong; a valid token without the role the RPC needs is
/// PERMISSION_DENIED naming the role; either way nothing is stored. Keys come from a shared HS256
/// key, a JWKS or PEM file, or an OpenID Connect issuer's discovery document.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class CallerIdentityTests(RedisFixture redis) : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("mp-identity-").FullName;

    public static TheoryData<string, string?, string> Unauthenticated => new()
    {
        { "no token", null, "missing 'authorization' metadata (expected 'Bearer <token>')" },
        { "not Bearer", "Basic YnV5ZXI6cGFzc3dvcmQ=", "'authorization' metadata must be 'Bearer <token>'" },
        { "empty Bearer", "Bearer ", "invalid bearer token:" },
        { "malformed", "Bearer not.a.jwt", "invalid bearer token: malformed" },
        { "wrong key", "Bearer " + TokenFactory.Hs256("another-signing-key-that-is-long-enough", "mallory", [CallerRole.Buyer]), "invalid bearer token: bad signature" },
        { "expired", "Bearer " + TestIdentity.Tokens.Mint("buyer-1", [CallerRole.Buyer], TimeSpan.FromMinutes(1), DateTime.UtcNow.AddHours(-2)), "invalid bearer token: expired" },
        { "alg none", "Bearer " + TestIdentity.Unsigned("mallory", CallerRole.Buyer, CallerRole.Support), "invalid bearer token:" },
        { "wrong issuer", "Bearer " + TokenFactory.Hs256(TestIdentity.SigningKey, "buyer-1", [CallerRole.Buyer], issuer: "someone-else"), "invalid bearer token: wrong issuer" },
        { "wrong audience", "Bearer " + TokenFactory.Hs256(TestIdentity.SigningKey, "buyer-1", [CallerRole.Buyer], audience: "billing"), "invalid bearer token: wrong audience" },
        { "no subject", "Bearer " + TokenFactory.WithoutSubject(TestIdentity.SigningKey, CallerRole.Buyer), "invalid bearer token: no 'sub' claim" },
    };

    [Theory]
    [MemberData(nameof(Unauthenticated))]
    public async Task A_call_without_a_valid_token_is_unauthenticated_saying_what_is_wrong_and_changes_nothing(string what, string? authorization, string expected)
    {
        await using var host = await StartOrdersAsync();
        var orders = host.Client<OrdersService.OrdersServiceClient>();
        long before = await StoredOrdersAsync();

        var error = await Assert.ThrowsAsync<RpcException>(async () =>
            await orders.PlaceOrderAsync(Placement("buyer-1"), Authorization(authorization)));

        Assert.True(error.StatusCode == StatusCode.Unauthenticated, $"{what}: {error.StatusCode} {error.Status.Detail}");
        Assert.StartsWith(expected, error.Status.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain(TestIdentity.SigningKey, error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(before, await StoredOrdersAsync());
    }

    [Fact]
    public async Task An_unsigned_token_is_refused_for_its_missing_signature()
    {
        await using var host = await StartOrdersAsync();

        var error = await Assert.ThrowsAsync<RpcException>(async () => await host.Client<OrdersService.OrdersServiceClient>()
            .GetOrderAsync(new GetOrderRequest { OrderId = "o-1" }, Authorization("Bearer " + TestIdentity.Unsigned("mallory", CallerRole.Support))));

        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
        Assert.Equal("invalid bearer token: bad signature", error.Status.Detail);
    }

    [Fact]
    public async Task A_token_without_the_role_the_rpc_needs_is_permission_denied_naming_the_role()
    {
        await using var host = await StartOrdersAsync();
        var orders = host.Client<OrdersService.OrdersServiceClient>();
        long before = await StoredOrdersAsync();

        var error = await Assert.ThrowsAsync<RpcException>(async () =>
            await orders.PlaceOrderAsync(Placement("seller-9"), Authorization(TestIdentity.Bearer("seller-9", CallerRole.Seller))));

        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
        Assert.Contains("PlaceOrder needs the role buyer", error.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("seller-9 (seller)", error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(before, await StoredOrdersAsync());
    }

    [Fact]
    public async Task A_valid_token_with_the_role_is_let_through_as_its_subject()
    {
        await using var host = await StartOrdersAsync();

        var order = await host.Client<OrdersService.OrdersServiceClient>()
            .PlaceOrderAsync(Placement("buyer-hs"), Authorization(TestIdentity.Bearer("buyer-hs", CallerRole.Buyer)));

        Assert.Equal("buyer-hs", order.BuyerId);
    }

    [Theory]
    [InlineData("JWKS", "RSA")]
    [InlineData("JWKS", "EC")]
    [InlineData("PEM", "RSA")]
    [InlineData("PEM", "EC")]
    public async Task A_key_file_holding_a_public_key_accepts_tokens_signed_with_its_private_key_only(string format, string algorithm)
    {
        using var key = algorithm == "RSA" ? TestSigningKey.Rsa() : TestSigningKey.Ec();
        using var other = algorithm == "RSA" ? TestSigningKey.Rsa() : TestSigningKey.Ec();
        var settings = format == "JWKS" ? KeyFile("keys.jwks", TestSigningKey.Jwks(key)) : KeyFile("public.pem", key.PublicPem);
        await using var host = await StartOrdersAsync(settings);

        string subject = $"buyer-{format}-{algorithm}";
        await AssertAcceptedAsync(host, TokenFactory.Signed(key.Credentials, subject, [CallerRole.Buyer]), subject);
        await AssertRefusedAsync(host, TokenFactory.Signed(other.Credentials, "mallory", [CallerRole.Buyer]), "invalid bearer token: bad signature");
        // Neither the platform's shared HS256 key nor an HS256 token "signed" with the public key's text pass.
        await AssertRefusedAsync(host, TestIdentity.Bearer("mallory", CallerRole.Buyer)[7..], "invalid bearer token:");
        await AssertRefusedAsync(host, TokenFactory.Hs256(key.PublicPem, "mallory", [CallerRole.Buyer]), "invalid bearer token:");
    }

    [Fact]
    public async Task An_authority_s_discovery_document_and_JWKS_accept_its_tokens_and_refuse_others()
    {
        await using var issuer = await LocalOidcIssuer.StartAsync();
        using var stranger = TestSigningKey.Rsa();
        await using var host = await StartOrdersAsync(new Dictionary<string, string?>
        {
            ["Identity:SigningKey"] = null,
            ["Identity:Authority"] = issuer.Authority,
            ["Identity:RequireHttpsMetadata"] = "false",
        });

        await AssertAcceptedAsync(host, issuer.Issue("buyer-oidc", CallerRole.Buyer), "buyer-oidc");
        Assert.True(issuer.DiscoveryFetches >= 1, "the discovery document was never fetched");
        Assert.True(issuer.JwksFetches >= 1, "the JWKS was never fetched");

        await AssertRefusedAsync(host, TokenFactory.Signed(stranger.Credentials, "mallory", [CallerRole.Buyer], issuer: issuer.Authority), "invalid bearer token: bad signature");
        await AssertRefusedAsync(host, TokenFactory.Signed(issuer.Key.Credentials, "mallory", [CallerRole.Buyer], issuer: "http://elsewhere.example"), "invalid bearer token: wrong issuer");
        await AssertRefusedAsync(host, TestIdentity.Bearer("mallory", CallerRole.Buyer)[7..], "invalid bearer token:");
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private Dictionary<string, string?> KeyFile(string name, string text)
    {
        string path = Path.Combine(_directory, name);
        File.WriteAllText(path, text);
        return new() { ["Identity:SigningKey"] = null, ["Identity:SigningKeyFile"] = path };
    }

    private Task<ServiceHost> StartOrdersAsync(IDictionary<string, string?>? settings = null) =>
        ServiceHost.StartAsync("orders", redis.ConnectionString, b => b.AddOrders(), a => a.MapGrpcService<OrdersApi>(), settings);

    private static async Task AssertAcceptedAsync(ServiceHost host, string token, string subject)
    {
        var order = await host.Client<OrdersService.OrdersServiceClient>().PlaceOrderAsync(Placement(subject), Authorization("Bearer " + token));
        Assert.Equal(subject, order.BuyerId);
    }

    private static async Task AssertRefusedAsync(ServiceHost host, string token, string expected)
    {
        var error = await Assert.ThrowsAsync<RpcException>(async () =>
            await host.Client<OrdersService.OrdersServiceClient>().PlaceOrderAsync(Placement("mallory"), Authorization("Bearer " + token)));
        Assert.True(error.StatusCode == StatusCode.Unauthenticated, $"{error.StatusCode} {error.Status.Detail}");
        Assert.StartsWith(expected, error.Status.Detail, StringComparison.Ordinal);
    }

    /// <summary>How many order hashes Redis holds (production key layout).</summary>
    private async Task<long> StoredOrdersAsync()
    {
        var server = redis.Server.Admin.GetServer("127.0.0.1", redis.Server.Port);
        long count = 0;
        await foreach (var _ in server.KeysAsync(pattern: OrderKeys.Order("*")))
        {
            count++;
        }

        return count;
    }

    private static PlaceOrderRequest Placement(string buyerId) => new()
    {
        RequestId = "req-" + Guid.NewGuid().ToString("N"),
        GigId = "gig-identity-" + buyerId,
        SellerId = "seller-identity-" + buyerId,
        Category = "graphics-design",
        Amount = new Money { CurrencyCode = "USD", AmountMinor = 4_500 },
        DueAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddDays(7)),
        RevisionsIncluded = 1,
    };
}
