using System.Text;
using Marketplace.Hosting.Identity;
using Microsoft.Extensions.Configuration;
using Xunit;

namespace Marketplace.Hosting.Tests;

public sealed class TokenServiceTests
{
    private static readonly IdentityOptions Options = new() { SigningKey = Encoding.UTF8.GetBytes("a-signing-key-that-is-long-enough-123") };
    private readonly TokenService _tokens = new(Options);

    [Fact]
    public async Task A_minted_token_authenticates_as_its_subject_with_its_roles()
    {
        string token = _tokens.Mint("seller-7", [CallerRole.Seller, CallerRole.Buyer], TimeSpan.FromMinutes(5));

        var result = await _tokens.AuthenticateAsync("Bearer " + token);

        Assert.True(result.Succeeded, result.Failure);
        Assert.Equal("seller-7", result.Caller!.Subject);
        Assert.Equal(new HashSet<CallerRole> { CallerRole.Seller, CallerRole.Buyer }, result.Caller.Roles);
        Assert.False(result.Caller.IsPrivileged);
        Assert.True(result.Caller.IsSelfOrPrivileged("seller-7"));
        Assert.False(result.Caller.IsSelfOrPrivileged("seller-8"));
    }

    [Fact]
    public async Task Missing_metadata_is_named()
    {
        var result = await _tokens.AuthenticateAsync(null);
        Assert.False(result.Succeeded);
        Assert.Contains("missing 'authorization' metadata", result.Failure, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_non_bearer_scheme_is_refused()
    {
        var result = await _tokens.AuthenticateAsync("Basic dXNlcjpwYXNz");
        Assert.Contains("must be 'Bearer <token>'", result.Failure, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_token_signed_with_another_key_is_refused()
    {
        var other = new TokenService(new IdentityOptions { SigningKey = Encoding.UTF8.GetBytes("another-signing-key-that-is-long-enough") });
        var result = await _tokens.AuthenticateAsync("Bearer " + other.Mint("x", [CallerRole.Support], TimeSpan.FromMinutes(5)));
        Assert.Equal("invalid bearer token: bad signature", result.Failure);
    }

    [Fact]
    public async Task An_expired_token_is_refused()
    {
        string token = _tokens.Mint("buyer-1", [CallerRole.Buyer], TimeSpan.FromMinutes(1), DateTime.UtcNow.AddHours(-2));
        var result = await _tokens.AuthenticateAsync("Bearer " + token);
        Assert.Equal("invalid bearer token: expired", result.Failure);
    }

    [Fact]
    public async Task A_token_for_another_audience_is_refused()
    {
        var elsewhere = new TokenService(Options with { Audience = "billing" });
        var result = await _tokens.AuthenticateAsync("Bearer " + elsewhere.Mint("x", [CallerRole.Buyer], TimeSpan.FromMinutes(5)));
        Assert.Equal("invalid bearer token: wrong audience", result.Failure);
    }

    [Fact]
    public async Task Garbage_is_refused_without_throwing()
    {
        var result = await _tokens.AuthenticateAsync("Bearer not.a.jwt");
        Assert.False(result.Succeeded);
        Assert.StartsWith("invalid bearer token:", result.Failure, StringComparison.Ordinal);
    }

    [Fact]
    public void A_short_signing_key_is_refused_with_its_key()
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection([new("Identity:SigningKey", "short")]).Build();
        var error = Assert.Throws<InvalidConfigurationException>(() => IdentityOptions.Read(config));
        Assert.StartsWith("Identity:SigningKey must be at least 32 bytes", error.Problems.Single(), StringComparison.Ordinal);
    }
}
