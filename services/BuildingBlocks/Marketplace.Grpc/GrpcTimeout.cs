using System.Globalization;

namespace Marketplace.Grpc;

/// <summary>
/// The <c>grpc-timeout</c> header: 1–8 ASCII digits and a unit (H, M, S, m, u, n).
/// Senders pick the coarsest unit that states the timeout exactly in at most 8 digits,
/// rounding up in the finest unit that fits when none is exact.
/// </summary>
public static class GrpcTimeout
{
    private const long MaxValue = 99_999_999;

    // Coarsest first; value is nanoseconds per unit.
    private static readonly (char Unit, long Nanos)[] Units =
    [
        ('H', 3_600_000_000_000), ('M', 60_000_000_000), ('S', 1_000_000_000),
        ('m', 1_000_000), ('u', 1_000), ('n', 1),
    ];

    /// <summary>Parses a header value; false when it breaks the format.</summary>
    public static bool TryParse(ReadOnlySpan<char> text, out TimeSpan timeout)
    {
        timeout = default;
        if (text.Length is < 2 or > 9)
        {
            return false;
        }

        long value = 0;
        foreach (char c in text[..^1])
        {
            if (c is < '0' or > '9')
            {
                return false;
            }

            value = (value * 10) + (c - '0');
        }

        long ticks = text[^1] switch
        {
            'H' => value * TimeSpan.TicksPerHour,
            'M' => value * TimeSpan.TicksPerMinute,
            'S' => value * TimeSpan.TicksPerSecond,
            'm' => value * TimeSpan.TicksPerMillisecond,
            'u' => value * 10,
            'n' => (value + 99) / 100,
            _ => -1,
        };
        if (ticks < 0)
        {
            return false;
        }

        timeout = TimeSpan.FromTicks(ticks);
        return true;
    }

    /// <summary>Formats a timeout for the header; negative timeouts are sent as <c>0n</c>.</summary>
    public static string Format(TimeSpan timeout)
    {
        if (timeout <= TimeSpan.Zero)
        {
            return "0n";
        }

        // Ticks are 100 ns; a TimeSpan always fits in 99,999,999 hours.
        decimal nanos = (decimal)timeout.Ticks * 100;
        foreach (var (unit, perUnit) in Units)
        {
            if (nanos % perUnit == 0 && nanos / perUnit <= MaxValue)
            {
                return string.Create(CultureInfo.InvariantCulture, $"{nanos / perUnit}{unit}");
            }
        }

        for (int i = Units.Length - 1; i >= 0; i--)
        {
            decimal count = Math.Ceiling(nanos / Units[i].Nanos);
            if (count <= MaxValue)
            {
                return string.Create(CultureInfo.InvariantCulture, $"{count}{Units[i].Unit}");
            }
        }

        return "99999999H";
    }
}
