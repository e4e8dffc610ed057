using System.Globalization;
using System.Text;
using Marketplace.Orders.Store;
using Marketplace.Platform;

namespace Marketplace.Orders.Api;

/// <summary>
/// ListOrders' page tokens: the cursor (creation ms and id of a page's last order) in URL-safe
/// base64, so clients treat them as opaque; anything that does not decode to a cursor is refused.
/// </summary>
public static class PageTokens
{
    public static string Of(OrderCursor cursor) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{cursor.CreatedMs}:{cursor.OrderId}")))
            .TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>The cursor of a token <see cref="Of"/> made, or null for anything else.</summary>
    public static OrderCursor? Parse(string token)
    {
        if (token.Length > 4 * (RequestFields.MaxIdLength + 24) / 3)
        {
            return null;
        }

        string base64 = token.Replace('-', '+').Replace('_', '/');
        base64 += new string('=', (4 - base64.Length % 4) % 4);
        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(base64);
        }
        catch (FormatException)
        {
            return null;
        }

        string text;
        try
        {
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }

        int colon = text.IndexOf(':', StringComparison.Ordinal);
        return colon > 0
            && long.TryParse(text.AsSpan(0, colon), NumberStyles.None, CultureInfo.InvariantCulture, out long created)
            && text.Length - colon - 1 is > 0 and <= RequestFields.MaxIdLength
                ? new OrderCursor(created, text[(colon + 1)..])
                : null;
    }
}
