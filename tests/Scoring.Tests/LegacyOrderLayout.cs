using Marketplace.Scoring.Store;
using Xunit;

namespace Marketplace.Scoring.Tests;

/// <summary>
/// Scoring's order hashes as earlier deployments hold them: before 2026-12-02 a field per fact, each
/// part present with its version or absent as a whole, unset times left out; before 2026-12-03 the
/// packed record in format 1 (every number in digits). Both with the contribution as 16 integers.
/// </summary>
public static class LegacyOrderLayout
{
    /// <summary>The names of the earlier layout, in the packed record's order (written here as the stored data has them, not taken from the code under test).</summary>
    private static readonly string[] Names =
    [
        "ov", "gig", "seller", "buyer", "cat", "cur", "amt", "refunded", "state", "created", "due",
        "delivered", "completed", "cx_at", "cx_by", "cx_reason", "disputes", "support",
        "rv", "r_status", "r_pub", "r_o", "r_c", "r_q", "r_v", "r_rec", "r_p",
        "cv", "su", "bw", "rt", "rn",
    ];

    /// <summary>The hash the earlier layout held for <paramref name="record"/>: a field per fact, each part present with its version or absent as a whole, unset times left out.</summary>
    public static Dictionary<string, string> Fields(OrderRecord record)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        var written = record.ToFields().Fields;
        if (written.TryGetValue(OrderRecord.RecordField, out var packed))
        {
            var values = PackedFormat1(packed).Split('\u001f');
            Assert.Equal("1", values[0]);
            Assert.Equal(Names.Length, values.Length - 1);
            var parts = new[] { (From: 0, To: 18), (From: 18, To: 27), (From: 27, To: 32) };
            foreach (var (from, to) in parts.Where(p => values[1 + p.From].Length > 0))
            {
                for (int i = from; i < to; i++)
                {
                    if (values[1 + i].Length > 0 || Names[i] is "gig" or "seller" or "buyer" or "cat" or "cur")
                    {
                        fields[Names[i]] = values[1 + i];
                    }
                }
            }
        }

        if (written.TryGetValue("c", out var counted))
        {
            fields["c"] = Contribution16(counted);
        }

        return fields;
    }

    /// <summary>A packed record of format 2 as format 1 wrote it: the same values, every number in digits.</summary>
    public static string PackedFormat1(string packed)
    {
        var values = packed.Split('\u001f');
        Assert.Equal("2", values[0]);
        values[0] = "1";
        for (int i = 1; i < values.Length; i++)
        {
            // Ids, categories and currencies are strings; numbers are digits with an optional exponent.
            if (values[i].Length > 0 && (char.IsAsciiDigit(values[i][0]) || values[i][0] == '-') && OrderRecord.TryParseNumber(values[i], out long number))
            {
                values[i] = number.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        return string.Join('\u001f', values);
    }

    /// <summary>A contribution as it was stored before 2026-12-03: its 16 integers.</summary>
    public static string Contribution16(string stored) => string.Join(',', OrderRecord.ParseContribution(stored).ToFields());
}
