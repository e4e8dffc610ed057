using System.Security.Cryptography;
using System.Text;
using Microsoft.IdentityModel.Tokens;

namespace Marketplace.Hosting.Identity;

/// <summary>Reads the keys that sign callers' tokens from configuration values or a mounted file.</summary>
public static class SigningKeys
{
    /// <summary>An HS256 key from its text.</summary>
    public static SymmetricSecurityKey Symmetric(string key) => new(Encoding.UTF8.GetBytes(key));

    /// <summary>
    /// The keys in <paramref name="path"/>: a JWKS document (<c>{"keys": [...]}</c>), a PEM public
    /// key (RSA or EC), or otherwise the file's text as an HS256 key.
    /// </summary>
    /// <exception cref="FormatException">The file holds no usable key.</exception>
    public static IReadOnlyList<SecurityKey> FromFile(string path)
    {
        string text = File.ReadAllText(path).Trim();
        if (text.StartsWith('{'))
        {
            var keys = new JsonWebKeySet(text).GetSigningKeys();
            return keys.Count > 0 ? [.. keys] : throw new FormatException($"{path} is a JWKS document without signing keys");
        }

        if (text.StartsWith("-----BEGIN", StringComparison.Ordinal))
        {
            // "PUBLIC KEY" (SubjectPublicKeyInfo) may hold either algorithm: EC first, then RSA.
            var ec = ECDsa.Create();
            try
            {
                ec.ImportFromPem(text);
                return [new ECDsaSecurityKey(ec)];
            }
            catch (Exception e) when (e is CryptographicException or ArgumentException)
            {
                ec.Dispose();
            }

            var rsa = RSA.Create();
            rsa.ImportFromPem(text);
            return [new RsaSecurityKey(rsa)];
        }

        return Encoding.UTF8.GetByteCount(text) >= IdentityOptions.MinimumKeyBytes
            ? [Symmetric(text)]
            : throw new FormatException($"{path} holds neither a JWKS document, a PEM public key, nor an HS256 key of at least {IdentityOptions.MinimumKeyBytes} bytes");
    }
}
