using Marketplace.Contracts.Messaging.V1;
using Marketplace.Hosting;

namespace Marketplace.Scoring.Store;

/// <summary>
/// A seller's response statistics as Messaging last reported them (<see cref="ScoringKeys.SellerResponseStats"/>):
/// the window's end (UTC ticks; the newest report wins), the response rate (null when the seller had
/// no buyer-opened conversation in the window), and the counts it came from.
/// </summary>
public sealed record ResponseReport(long WindowEndTicks, double? Rate, int Opened, int Answered)
{
    /// <summary>The report of a Messaging event, or null when it is inconsistent (<see cref="Problem"/> says why).</summary>
    public static ResponseReport? From(ResponseStats stats) =>
        Problem(stats) is null
            ? new ResponseReport(stats.WindowEnd.ToDateTimeOffset().UtcTicks, stats.HasResponseRate ? stats.ResponseRate : null, stats.BuyerOpenedConversations, stats.AnsweredWithinWindow)
            : null;

    /// <summary>What is wrong with a report, naming the field; null when it can be kept.</summary>
    public static string? Problem(ResponseStats stats)
    {
        if (string.IsNullOrEmpty(stats.SellerId)) return "stats.seller_id is empty";
        if (stats.WindowEnd is null) return "stats.window_end is missing";
        try
        {
            _ = stats.WindowEnd.ToDateTimeOffset();
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentOutOfRangeException)
        {
            return "stats.window_end is not a valid time";
        }

        if (stats.BuyerOpenedConversations < 0) return "stats.buyer_opened_conversations must be >= 0";
        if (stats.AnsweredWithinWindow < 0 || stats.AnsweredWithinWindow > stats.BuyerOpenedConversations)
            return "stats.answered_within_window must be between 0 and buyer_opened_conversations";
        if (stats.HasResponseRate && !(stats.ResponseRate is >= 0 and <= 1)) return "stats.response_rate must be in [0,1]";
        return null;
    }

    /// <summary>The stored report, or null when none was kept yet.</summary>
    public static ResponseReport? FromFields(HashReader f) => f.IsEmpty
        ? null
        : new ResponseReport(f.Long("end"), f.Has("rate") ? f.Double("rate") : null, f.Int("opened"), f.Int("answered"));

    public HashWriter ToFields()
    {
        var fields = new HashWriter().Set("end", WindowEndTicks).Set("opened", Opened).Set("answered", Answered);
        return Rate is { } rate ? fields.Set("rate", rate) : fields;
    }
}
