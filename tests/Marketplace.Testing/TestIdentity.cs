using Marketplace.Hosting.Identity;

namespace Marketplace.Testing;

/// <summary>The signing key every test host uses, and tokens minted with it.</summary>
public static class TestIdentity
{
    public const string SigningKey = "test-signing-key-of-at-least-thirty-two-bytes";

    public static readonly TokenIssuer Tokens = new(SigningKey);

    /// <summary>A valid bearer value for <c>authorization</c> metadata.</summary>
    public static string Bearer(string subject, params CallerRole[] roles) => Tokens.Bearer(subject, roles);
}
