using System.Text;
using Microsoft.Extensions.Configuration;

namespace Marketplace.Hosting.Identity;

/// <summary>
/// How callers prove who they are: HS256 JWTs signed with a shared key (local runs and tests;
/// in a cluster the key comes from a secret), with a fixed issuer and audience.
/// Section <c>Identity</c>.
/// </summary>
public sealed record IdentityOptions
{
    public const string Section = "Identity";
    public const int MinimumKeyBytes = 32;

    public required byte[] SigningKey { get; init; }

    public string Issuer { get; init; } = "marketplace";

    public string Audience { get; init; } = "marketplace";

    /// <summary>Tolerated clock difference when checking expiry.</summary>
    public TimeSpan ClockSkew { get; init; } = TimeSpan.FromSeconds(30);

    public static IdentityOptions Read(IConfiguration configuration)
    {
        var section = configuration.GetSection(Section);
        var problems = new List<string>();

        string key = section["SigningKey"] ?? "";
        if (Encoding.UTF8.GetByteCount(key) < MinimumKeyBytes)
        {
            problems.Add($"{Section}:SigningKey must be at least {MinimumKeyBytes} bytes (HS256); set it from a secret, e.g. Identity__SigningKey.");
        }

        string issuer = section["Issuer"] is { Length: > 0 } i ? i : "marketplace";
        string audience = section["Audience"] is { Length: > 0 } a ? a : "marketplace";

        if (problems.Count > 0)
        {
            throw new InvalidConfigurationException(problems);
        }

        return new IdentityOptions { SigningKey = Encoding.UTF8.GetBytes(key), Issuer = issuer, Audience = audience };
    }
}
