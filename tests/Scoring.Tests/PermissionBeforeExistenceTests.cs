using Grpc.Core;
using Marketplace.Contracts.Common.V1;
using Marketplace.Contracts.Scoring.V1;
using Marketplace.Hosting.Identity;
using Xunit;
using static Marketplace.Clients.PlatformClients;

namespace Marketplace.Scoring.Tests;

/// <summary>
/// Issue 16: permission is checked before existence. A caller who may not see a Gig's or seller's
/// score gets the same PERMISSION_DENIED, with the same message but for the id asked about, whether
/// the Gig or seller exists or not; only privileged callers learn that an id is unknown (NOT_FOUND);
/// the seller still gets their own score. The level is public, and so is whether Scoring knows a seller.
/// </summary>
public sealed class PermissionBeforeExistenceTests(ScoredGroupFixture fixture) : IClassFixture<ScoredGroupFixture>
{
    private const string Unknown = "never-seen";

    private readonly ScoringHarness _scoring = fixture.Scoring;

    public static TheoryData<string, string, string, string?> Outsiders() => new()
    {
        // rpc, an existing id the caller may not see, the caller, who the refusal must not name (the Gig's seller)
        { "GetGigScore", "a1", Seller("seller-b"), "seller-a" },
        { "GetGigScore", "a1", Buyer, "seller-a" },
        { "GetGigScore", "b1", Seller("seller-a"), "seller-b" },
        { "WhatIf", "a1", Seller("seller-b"), "seller-a" },
        { "WhatIf", "c1", Buyer, "seller-c" },
        { "GetSellerScore", "seller-a", Seller("seller-b"), null },
        { "GetSellerScore", "seller-c", Buyer, null },
    };

    [Theory]
    [MemberData(nameof(Outsiders))]
    public async Task An_outsider_gets_the_same_refusal_for_an_existing_and_an_unknown_id(string rpc, string existing, string caller, string? owner)
    {
        var forExisting = await Assert.ThrowsAsync<RpcException>(() => CallAsync(rpc, existing, caller));
        var forUnknown = await Assert.ThrowsAsync<RpcException>(() => CallAsync(rpc, Unknown, caller));

        Assert.Equal(StatusCode.PermissionDenied, forExisting.StatusCode);
        Assert.Equal(StatusCode.PermissionDenied, forUnknown.StatusCode);
        Assert.Equal(forExisting.Status.Detail.Replace(existing, "<id>", StringComparison.Ordinal), forUnknown.Status.Detail.Replace(Unknown, "<id>", StringComparison.Ordinal));
        if (owner is not null)
        {
            Assert.DoesNotContain(owner, forExisting.Status.Detail, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("GetGigScore", "support-1", CallerRole.Support)]
    [InlineData("WhatIf", "ranking", CallerRole.Internal)]
    [InlineData("GetSellerScore", "support-1", CallerRole.Support)]
    [InlineData("GetSellerScore", Unknown, CallerRole.Seller)] // the seller asking about themselves
    public async Task A_caller_who_may_see_it_learns_that_an_id_is_unknown(string rpc, string subject, CallerRole role)
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => CallAsync(rpc, Unknown, ScoringHarness.Bearer(subject, role)));
        Assert.Equal(StatusCode.NotFound, error.StatusCode);
        Assert.Contains($"{Unknown} is unknown to Scoring", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_seller_and_privileged_callers_still_get_the_score()
    {
        foreach (var caller in new[] { Seller("seller-a"), ScoringHarness.Bearer("support-1", CallerRole.Support) })
        {
            var gig = await _scoring.Client.GetGigScoreAsync(new GetGigScoreRequest { GigId = "a1" }, Authorization(caller)).ResponseAsync;
            Assert.Equal("seller-a", gig.SellerId);
            Assert.True(gig.HasScore);

            var seller = await _scoring.Client.GetSellerScoreAsync(new GetSellerScoreRequest { SellerId = "seller-a" }, Authorization(caller)).ResponseAsync;
            Assert.Equal(new[] { "a1", "a2" }, seller.Gigs.Select(g => g.GigId));
        }
    }

    [Fact]
    public async Task The_level_is_public_and_so_is_an_unknown_seller()
    {
        var level = await _scoring.Client.GetSellerLevelAsync(new GetSellerLevelRequest { SellerId = "seller-a" }, Authorization(Buyer)).ResponseAsync;
        Assert.Equal("seller-a", level.SellerId);
        Assert.Null(level.Metrics);

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            _scoring.Client.GetSellerLevelAsync(new GetSellerLevelRequest { SellerId = Unknown }, Authorization(Buyer)).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, error.StatusCode);
    }

    private static string Seller(string id) => ScoringHarness.Bearer(id, CallerRole.Seller);

    private static string Buyer => ScoringHarness.Bearer("buyer-9", CallerRole.Buyer);

    private Task CallAsync(string rpc, string id, string bearer)
    {
        var client = _scoring.Client;
        var headers = Authorization(bearer);
        return rpc switch
        {
            "GetGigScore" => client.GetGigScoreAsync(new GetGigScoreRequest { GigId = id }, headers).ResponseAsync,
            "WhatIf" => client.WhatIfAsync(new WhatIfRequest
            {
                GigId = id,
                Orders = { new HypotheticalOrder { Count = 1, Amount = new Money { CurrencyCode = "USD", AmountMinor = 12_000 }, OnTime = true } },
            }, headers).ResponseAsync,
            "GetSellerScore" => client.GetSellerScoreAsync(new GetSellerScoreRequest { SellerId = id }, headers).ResponseAsync,
            _ => throw new ArgumentException(rpc),
        };
    }
}
