using System.Text.Json;
using Marketplace.Hosting.Identity;
using Microsoft.IdentityModel.Tokens;

namespace Marketplace.Testing;

/// <summary>The signing key every test host uses, and tokens minted with it.</summary>
public static class TestIdentity
{
    public const string SigningKey = "test-signing-key-of-at-least-thirty-two-bytes";

    public static readonly TokenIssuer Tokens = new(SigningKey);

    /// <summary>A valid bearer value for <c>authorization</c> metadata.</summary>
    public static string Bearer(string subject, params CallerRole[] roles) => Tokens.Bearer(subject, roles);

    /// <summary>
    /// An unsigned token (<c>alg: none</c>, empty signature) with otherwise valid claims, built by
    /// hand: what an attacker sends hoping the server skips the signature check.
    /// </summary>
    public static string Unsigned(string subject, params CallerRole[] roles)
    {
        long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        string header = Base64UrlEncoder.Encode("""{"alg":"none","typ":"JWT"}""");
        string payload = Base64UrlEncoder.Encode(JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["sub"] = subject,
            ["role"] = roles.Select(CallerRoles.Name).ToArray(),
            ["iss"] = IdentityOptions.DefaultIssuer,
            ["aud"] = "marketplace",
            ["iat"] = now,
            ["nbf"] = now,
            ["exp"] = now + 600,
        }));
        return $"{header}.{payload}.";
    }
}
