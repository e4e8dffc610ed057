using System.Globalization;

namespace Marketplace.Scoring.Store;

/// <summary>Integers joined by commas, the text of the stored contributions and Gig aggregates, formatted in place (a rebuild writes millions).</summary>
internal static class CommaNumbers
{
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
