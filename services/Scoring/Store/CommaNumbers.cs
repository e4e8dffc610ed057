using System.Globalization;

namespace Marketplace.Scoring.Store;

/// <summary>Integers joined by commas, the text of the stored contributions and Gig aggregates: formatted in place (a rebuild writes millions) and read back.</summary>
internal static class CommaNumbers
{
    /// <summary>
    /// Reads <paramref name="text"/>'s integers into <paramref name="into"/> and returns how many there
    /// were; <c>into.Length + 1</c> when there are more than it holds, or -1 with <paramref name="bad"/>
    /// the first piece that is not an integer, whichever comes first.
    /// </summary>
    public static int Parse(ReadOnlySpan<char> text, Span<long> into, out Range bad)
    {
        bad = default;
        int count = 0;
        foreach (var range in text.Split(','))
        {
            if (count == into.Length)
            {
                return into.Length + 1;
            }

            if (!long.TryParse(text[range], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out into[count++]))
            {
                bad = range;
                return -1;
            }
        }

        return count;
    }

    /// <summary>Longest text of one <see cref="long"/>, its sign included.</summary>
    private const int MaxDigits = 20;

    public static string Join(ReadOnlySpan<long> numbers)
    {
        Span<char> text = stackalloc char[numbers.Length * (MaxDigits + 1)];
        int length = 0;
        foreach (long value in numbers)
        {
            if (length > 0)
            {
                text[length++] = ',';
            }

            value.TryFormat(text[length..], out int written, default, CultureInfo.InvariantCulture);
            length += written;
        }

        return new string(text[..length]);
    }
}
