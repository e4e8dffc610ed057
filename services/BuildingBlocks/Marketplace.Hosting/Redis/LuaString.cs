using System.Globalization;
using System.Text;

namespace Marketplace.Hosting.Redis;

/// <summary>Constants written into a script's Lua source.</summary>
public static class LuaString
{
    /// <summary>
    /// <paramref name="value"/> as a Lua string literal: quotes and backslashes escaped, and every
    /// byte outside printable ASCII written as a decimal escape (<c>\ddd</c>), so control characters
    /// (the key templates' slot and generation mark) and UTF-8 survive as the same bytes.
    /// </summary>
    public static string Literal(string value)
    {
        var literal = new StringBuilder("'");
        foreach (byte b in Encoding.UTF8.GetBytes(value))
        {
            if (b is >= 0x20 and < 0x7f && b != '\'' && b != '\\')
            {
                literal.Append((char)b);
            }
            else
            {
                literal.Append('\\').Append(b.ToString("D3", CultureInfo.InvariantCulture));
            }
        }

        return literal.Append('\'').ToString();
    }
}
