using System.ComponentModel.DataAnnotations;
using System.Text;

namespace Marketplace.Hosting.Identity;

/// <summary>
/// How callers prove who they are (section <c>Identity</c>): a bearer JWT on every gRPC call with
/// claims <c>sub</c> (account id) and <c>role</c>, checked by ASP.NET Core's JwtBearer handler.
/// Exactly one key source:
/// <list type="bullet">
/// <item><c>SigningKey</c>: a shared HS256 key (local runs, tests, simple installs; from a secret in a cluster);</item>
/// <item><c>SigningKeyFile</c>: a mounted file holding a JWKS document, a PEM public key (RSA/EC) or a raw HS256 key;</item>
/// <item><c>Authority</c>: an OpenID Connect issuer whose discovery document names its JWKS (keys rotate by themselves).</item>
/// </list>
/// </summary>
public sealed class IdentityOptions : IValidatableObject
{
    public const string Section = "Identity";
    public const int MinimumKeyBytes = 32;
    public const string DefaultIssuer = "marketplace";

    [DataType(DataType.Password)]
    public string? SigningKey { get; set; }

    public string? SigningKeyFile { get; set; }

    [Url(ErrorMessage = "must be an absolute URL (the OpenID Connect issuer)")]
    public string? Authority { get; set; }

    /// <summary>Where the discovery document is, when not at <c>{Authority}/.well-known/openid-configuration</c>.</summary>
    [Url(ErrorMessage = "must be an absolute URL")]
    public string? MetadataAddress { get; set; }

    public bool RequireHttpsMetadata { get; set; } = true;

    /// <summary>Expected <c>iss</c>; defaults to <c>marketplace</c> for local keys and to the authority's issuer for OIDC.</summary>
    public string? Issuer { get; set; }

    [Required(AllowEmptyStrings = false, ErrorMessage = "is required (the expected 'aud' of tokens)")]
    public string Audience { get; set; } = "marketplace";

    /// <summary>Tolerated clock difference when checking expiry.</summary>
    [Range(0, 300, ErrorMessage = "must be a whole number of seconds from {1} to {2}")]
    public int ClockSkewSeconds { get; set; } = 30;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        int sources = new[] { SigningKey, SigningKeyFile, Authority }.Count(s => !string.IsNullOrWhiteSpace(s));
        if (sources != 1)
        {
            yield return new ValidationResult(
                $"needs exactly one of {Section}:SigningKey (HS256, >= {MinimumKeyBytes} bytes), {Section}:SigningKeyFile or {Section}:Authority (found {sources})");
            yield break;
        }

        if (!string.IsNullOrWhiteSpace(SigningKey) && Encoding.UTF8.GetByteCount(SigningKey) < MinimumKeyBytes)
        {
            yield return new ValidationResult($"must be at least {MinimumKeyBytes} bytes (HS256); set it from a secret, e.g. Identity__SigningKey", [nameof(SigningKey)]);
        }

        if (!string.IsNullOrWhiteSpace(SigningKeyFile))
        {
            string? problem = null;
            try
            {
                _ = SigningKeys.FromFile(SigningKeyFile);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or ArgumentException or System.Security.Cryptography.CryptographicException)
            {
                problem = e.Message;
            }

            if (problem is not null)
            {
                yield return new ValidationResult($"must name a readable JWKS, PEM public key or HS256 key file: {problem}", [nameof(SigningKeyFile)]);
            }
        }
    }
}
