using Marketplace.Scoring.Store;
using Xunit;

namespace Marketplace.Scoring.Tests;

/// <summary>Scoring's order hashes as deployments before 2026-12-02 hold them: a field per fact, each part present with its version or absent as a whole, unset times left out.</summary>
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
            var values = packed.Split('\u001f');
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
            fields["c"] = counted;
        }

        return fields;
    }
}
