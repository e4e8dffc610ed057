using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using Marketplace.Scoring.Engine;

namespace Marketplace.Scoring.Store;

/// <summary>
/// One Gig at one evaluation, as the history keeps it (the value of field <c>e</c> of an entry of the
/// stream <see cref="ScoringKeys.GigHistory"/>, whose id is <see cref="EvaluatedMs"/>-n): the group it was ranked in, its quality and percentile
/// there, the Gig's <c>rev</c> (its position in the change log) and its sums (the engine's
/// <see cref="GigAggregate"/>), from which its area indices at any means follow exactly.
/// </summary>
/// <remarks>
/// Layout: an ASCII head "<c>ms rev length group</c> " (the read script takes the time, the
/// revision and the group from it), then format byte 1, quality and percentile as big-endian
/// doubles (NaN = no percentile), and the aggregate's 21 integers as zigzag 7-bit varints
/// (landmark, newest order, scored orders, then per area count, weight sum, weighted sum).
/// About 130 bytes for a Gig with every area applying (bench/history measures it in Redis).
/// </remarks>
public sealed record GigHistoryEntry(long EvaluatedMs, long Revision, string Group, double Quality, double? Percentile, GigAggregate Aggregate)
{
    private const byte Format = 1;

    /// <summary>The stream field that holds the entry.</summary>
    public const string Field = "e";

    /// <summary>Unrounded 1 + 9 × percentile; null without a percentile.</summary>
    public double? UnroundedScore => Percentile is { } p ? 1 + 9 * p : null;

    public byte[] ToBytes()
    {
        using var buffer = new MemoryStream(160);
        var head = Encoding.UTF8.GetBytes(Group);
        buffer.Write(Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{EvaluatedMs} {Revision} {head.Length} ")));
        buffer.Write(head);
        using var writer = new BinaryWriter(buffer);
        writer.Write((byte)' ');
        writer.Write(Format);
        Span<byte> number = stackalloc byte[8];
        BinaryPrimitives.WriteDoubleBigEndian(number, Quality);
        writer.Write(number);
        BinaryPrimitives.WriteDoubleBigEndian(number, Percentile ?? double.NaN);
        writer.Write(number);
        var entries = Aggregate.ToHashEntries();
        foreach (var (name, value) in entries)
        {
            if (name != "v")
            {
                writer.Write7BitEncodedInt64(Varint.ZigZag(value));
            }
        }

        writer.Flush();
        return buffer.ToArray();
    }

    public static GigHistoryEntry Parse(byte[] bytes)
    {
        int at = 0;
        long ms = long.Parse(Word(bytes, ref at), CultureInfo.InvariantCulture);
        long rev = long.Parse(Word(bytes, ref at), CultureInfo.InvariantCulture);
        int length = int.Parse(Word(bytes, ref at), CultureInfo.InvariantCulture);
        string group = Encoding.UTF8.GetString(bytes, at, length);
        at += length + 1;
        using var reader = new BinaryReader(new MemoryStream(bytes, at, bytes.Length - at));
        if (reader.ReadByte() != Format)
        {
            throw new FormatException($"history entry of evaluation {ms} has an unknown format");
        }

        double quality = BinaryPrimitives.ReadDoubleBigEndian(reader.ReadBytes(8));
        double percentile = BinaryPrimitives.ReadDoubleBigEndian(reader.ReadBytes(8));
        var names = new GigAggregate().ToHashEntries().Select(e => e.Key).ToList();
        var values = names.Select(name => name == "v"
            ? new KeyValuePair<string, long>(name, new GigAggregate().ToHashEntries()[0].Value)
            : new KeyValuePair<string, long>(name, Varint.UnZigZag(reader.Read7BitEncodedInt64()))).ToList();
        return new GigHistoryEntry(ms, rev, group, quality, double.IsNaN(percentile) ? null : percentile, GigAggregate.FromHashEntries(values));
    }

    private static string Word(byte[] bytes, ref int at)
    {
        int end = Array.IndexOf(bytes, (byte)' ', at);
        if (end < 0)
        {
            throw new FormatException("history entry head is cut short");
        }

        string word = Encoding.ASCII.GetString(bytes, at, end - at);
        at = end + 1;
        return word;
    }
}

/// <summary>Why an order's contribution entered, changed or left its Gig's sums (proto <c>OrderChangeReason</c>, same numbers).</summary>
public enum ChangeReason
{
    NewOrder = 1,
    Review = 2,
    ReviewRemoved = 3,
    OrderUpdated = 4,
    WindowDrop = 5,
    Exclusion = 6,
    WindowReturn = 7,
}

/// <summary>
/// One entry of a Gig's change log (a member of <see cref="ScoringKeys.GigChanges"/>, scored by the
/// Gig's <c>rev</c> after the change): an order's contribution entering, changing or leaving the
/// sums, as its per-area deltas of count, weight sum and weighted sum, at landmark <see cref="LandmarkSeconds"/>.
/// </summary>
/// <remarks>Layout: format byte 1, then zigzag varints rev, index, the order id (length, UTF-8), reason, landmark, area mask, and per area in the mask Δcount, Δweight, Δweighted.</remarks>
public sealed record ChangeLogEntry(long Revision, int Index, string OrderId, ChangeReason Reason, long LandmarkSeconds, long[] CountDelta, long[] WeightDelta, long[] WeightedDelta)
{
    private const byte Format = 1;

    /// <summary>
    /// The entries of one order's change from <paramref name="old"/> to <paramref name="next"/>
    /// (either may be absent): one with the difference when both are at one landmark, otherwise
    /// one taking the old out at its landmark and one adding the new at its own. None when equal.
    /// </summary>
    public static IEnumerable<ChangeLogEntry> Of(long revision, int firstIndex, string orderId, ChangeReason reason, OrderContribution? old, OrderContribution? next)
    {
        var o = old is { Included: true } x ? x : (OrderContribution?)null;
        var n = next is { Included: true } y ? y : (OrderContribution?)null;
        if (o is null && n is null || o == n)
        {
            yield break;
        }

        if (o is { } a && n is { } b && a.LandmarkSeconds != b.LandmarkSeconds)
        {
            yield return Delta(revision, firstIndex, orderId, reason, a, -1, null);
            yield return Delta(revision, firstIndex + 1, orderId, reason, b, 1, null);
            yield break;
        }

        yield return o is { } from
            ? Delta(revision, firstIndex, orderId, reason, from, -1, n)
            : Delta(revision, firstIndex, orderId, reason, n!.Value, 1, null);
    }

    private static ChangeLogEntry Delta(long revision, int index, string orderId, ChangeReason reason, OrderContribution c, int sign, OrderContribution? plus)
    {
        var count = new long[Areas.Count];
        var weight = new long[Areas.Count];
        var weighted = new long[Areas.Count];
        foreach (var area in Areas.All)
        {
            int i = (int)area;
            count[i] = sign * (c.Applies(area) ? 1 : 0);
            weight[i] = sign * c.Weight(area);
            weighted[i] = sign * c.Weighted(area);
            if (plus is { } p)
            {
                count[i] += p.Applies(area) ? 1 : 0;
                weight[i] += p.Weight(area);
                weighted[i] += p.Weighted(area);
            }
        }

        return new ChangeLogEntry(revision, index, orderId, reason, c.LandmarkSeconds, count, weight, weighted);
    }

    public byte[] ToBytes()
    {
        using var buffer = new MemoryStream(64);
        using var writer = new BinaryWriter(buffer);
        writer.Write(Format);
        writer.Write7BitEncodedInt64(Revision);
        writer.Write7BitEncodedInt(Index);
        writer.Write(OrderId); // length-prefixed UTF-8
        writer.Write((byte)Reason);
        writer.Write7BitEncodedInt64(Varint.ZigZag(LandmarkSeconds));
        byte mask = 0;
        foreach (var area in Areas.All)
        {
            int i = (int)area;
            if (CountDelta[i] != 0 || WeightDelta[i] != 0 || WeightedDelta[i] != 0)
            {
                mask |= (byte)(1 << i);
            }
        }

        writer.Write(mask);
        foreach (var area in Areas.All)
        {
            int i = (int)area;
            if ((mask & (1 << i)) != 0)
            {
                writer.Write7BitEncodedInt64(Varint.ZigZag(CountDelta[i]));
                writer.Write7BitEncodedInt64(Varint.ZigZag(WeightDelta[i]));
                writer.Write7BitEncodedInt64(Varint.ZigZag(WeightedDelta[i]));
            }
        }

        writer.Flush();
        return buffer.ToArray();
    }

    public static ChangeLogEntry Parse(byte[] bytes)
    {
        using var reader = new BinaryReader(new MemoryStream(bytes));
        if (reader.ReadByte() != Format)
        {
            throw new FormatException("change log entry has an unknown format");
        }

        long rev = reader.Read7BitEncodedInt64();
        int index = reader.Read7BitEncodedInt();
        string orderId = reader.ReadString();
        var reason = (ChangeReason)reader.ReadByte();
        long landmark = Varint.UnZigZag(reader.Read7BitEncodedInt64());
        byte mask = reader.ReadByte();
        var count = new long[Areas.Count];
        var weight = new long[Areas.Count];
        var weighted = new long[Areas.Count];
        for (int i = 0; i < Areas.Count; i++)
        {
            if ((mask & (1 << i)) != 0)
            {
                count[i] = Varint.UnZigZag(reader.Read7BitEncodedInt64());
                weight[i] = Varint.UnZigZag(reader.Read7BitEncodedInt64());
                weighted[i] = Varint.UnZigZag(reader.Read7BitEncodedInt64());
            }
        }

        return new ChangeLogEntry(rev, index, orderId, reason, landmark, count, weight, weighted);
    }
}

/// <summary>
/// A peer group at one evaluation (<see cref="ScoringKeys.PeerEvaluation"/>): its size, its means
/// snapshot and its Gigs' qualities, sorted, as big-endian doubles (8 + 48 + 8 × size bytes), so a
/// read script counts the Gigs below a quality by binary search with GETRANGE, O(log size).
/// </summary>
public static class GroupEvaluation
{
    public const int HeadBytes = 8 + 8 * 6;

    public static byte[] ToBytes(PeerMeans means, IReadOnlyList<double> qualities)
    {
        var sorted = qualities.ToArray();
        Array.Sort(sorted);
        var bytes = new byte[HeadBytes + 8 * sorted.Length];
        BinaryPrimitives.WriteInt64BigEndian(bytes, sorted.Length);
        foreach (var area in Areas.All)
        {
            BinaryPrimitives.WriteDoubleBigEndian(bytes.AsSpan(8 + 8 * (int)area), means[area]);
        }

        for (int i = 0; i < sorted.Length; i++)
        {
            BinaryPrimitives.WriteDoubleBigEndian(bytes.AsSpan(HeadBytes + 8 * i), sorted[i]);
        }

        return bytes;
    }

    /// <summary>The size and means from the first <see cref="HeadBytes"/> bytes; null when missing (trimmed).</summary>
    public static (long Size, PeerMeans Means)? ParseHead(byte[]? head)
    {
        if (head is null || head.Length < HeadBytes)
        {
            return null;
        }

        var means = Areas.All.Select(a => BinaryPrimitives.ReadDoubleBigEndian(head.AsSpan(8 + 8 * (int)a))).ToArray();
        return (BinaryPrimitives.ReadInt64BigEndian(head), new PeerMeans(means));
    }

    public static byte[] Probe(double quality)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteDoubleBigEndian(bytes, quality);
        return bytes;
    }
}

internal static class Varint
{
    public static long ZigZag(long value) => (value << 1) ^ (value >> 63);

    public static long UnZigZag(long value) => (long)((ulong)value >> 1) ^ -(value & 1);
}
