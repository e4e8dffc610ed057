using System.Globalization;
using Marketplace.Messaging.Domain;

namespace Marketplace.Messaging.Store;

/// <summary>
/// The stored form of <see cref="ResponseFacts"/> (one field of <see cref="MessagingKeys.SellerResponseFacts"/>):
/// <c>&lt;started ticks&gt; &lt;B|S&gt; &lt;first reply ticks or -&gt; &lt;reply count&gt; &lt;total response ticks&gt; &lt;F|-&gt; &lt;buyer id&gt;</c>,
/// times as UTC ticks so the figures are exactly those of the conversation. Entries written before
/// follow-up inquiries were told apart (2026-12-03) have the first five parts only: read as no
/// follow-up, of no known buyer.
/// </summary>
public static class ResponseFactsFields
{
    public static string Format(ResponseFacts f) => string.Join(' ',
        f.StartedAt.UtcTicks.ToString(CultureInfo.InvariantCulture),
        f.BuyerOpened ? "B" : "S",
        f.FirstSellerReplyAt is { } reply ? reply.UtcTicks.ToString(CultureInfo.InvariantCulture) : "-",
        f.SellerReplyCount.ToString(CultureInfo.InvariantCulture),
        f.TotalSellerResponseTime.Ticks.ToString(CultureInfo.InvariantCulture),
        f.FollowUp ? "F" : "-",
        f.BuyerId);

    /// <summary>Reads one entry; throws <see cref="FormatException"/> naming the conversation when it is corrupt.</summary>
    public static ResponseFacts Parse(string conversationId, string value)
    {
        var parts = value.Split(' ', 7); // the buyer id, last, may hold spaces
        if (parts.Length is not (5 or 7)
            || (parts.Length == 7 && (parts[5] is not ("F" or "-") || parts[6].Length == 0))
            || !long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var started)
            || parts[1] is not ("B" or "S")
            || !(parts[2] == "-" || long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out _))
            || !int.TryParse(parts[3], NumberStyles.None, CultureInfo.InvariantCulture, out var replies)
            || !long.TryParse(parts[4], NumberStyles.None, CultureInfo.InvariantCulture, out var total)
            || started > DateTimeOffset.MaxValue.UtcTicks)
        {
            throw new FormatException($"response facts of conversation '{conversationId}' have a bad value '{value}'");
        }

        DateTimeOffset? reply = parts[2] == "-" ? null : new DateTimeOffset(long.Parse(parts[2], CultureInfo.InvariantCulture), TimeSpan.Zero);
        return parts.Length == 7
            ? new ResponseFacts(new DateTimeOffset(started, TimeSpan.Zero), parts[1] == "B", reply, replies, TimeSpan.FromTicks(total), parts[6], parts[5] == "F")
            : new ResponseFacts(new DateTimeOffset(started, TimeSpan.Zero), parts[1] == "B", reply, replies, TimeSpan.FromTicks(total));
    }
}
