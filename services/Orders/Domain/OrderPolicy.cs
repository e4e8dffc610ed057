using System.Globalization;

namespace Marketplace.Orders.Domain;

/// <summary>
/// Operator-tunable policy of the order lifecycle (SPEC 2, 1 "extension") and the bounds of every
/// number and time a request carries (so nothing accepted overflows a sum or a date later), validated
/// at start-up so a bad value fails fast with the setting's name (section <c>Orders</c>).
/// </summary>
/// <param name="AutoCompleteAfter">A delivered order the buyer neither accepts nor revises completes after this (default 3 days).</param>
/// <param name="ExtensionAutoAcceptAfter">A seller's extension request the buyer does not answer is accepted after this (default 48 h).</param>
public sealed record OrderPolicy(TimeSpan AutoCompleteAfter, TimeSpan ExtensionAutoAcceptAfter)
{
    /// <summary>Largest <see cref="MaxAmountMinor"/> an operator may set: a million orders at it still sum below the int64 maximum.</summary>
    public const long AmountCeilingMinor = 1_000_000_000_000;

    /// <summary>Longest <see cref="MaxDueAfter"/> an operator may set (ten years).</summary>
    public static readonly TimeSpan DueHorizonCeiling = TimeSpan.FromDays(3650);

    public static OrderPolicy Default { get; } = new(TimeSpan.FromDays(3), TimeSpan.FromHours(48));

    /// <summary>
    /// SPEC 2: "placed by mistake" and "duplicate order" are the buyer's claims, accepted only within
    /// this time of placing (default 24 h), measured to the moment the buyer makes the claim.
    /// </summary>
    public TimeSpan PlacedByMistakeWithin { get; init; } = TimeSpan.FromHours(24);

    /// <summary>The currencies an order may be placed in, comma-separated: those Scoring has a USD rate for (default USD only).</summary>
    public string Currencies { get; init; } = "USD";

    /// <summary>The codes of <see cref="Currencies"/>.</summary>
    public IReadOnlyList<string> CurrencyCodes => Currencies.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);

    /// <summary>
    /// Largest order amount, in minor units of its currency (default 10,000,000,000: USD 100 million in
    /// cents). Refunds are bounded by the amount, so no order's money exceeds it, and a seller's earnings
    /// over any period stay below the int64 maximum for more than 900 million orders at the limit.
    /// </summary>
    public long MaxAmountMinor { get; init; } = 10_000_000_000;

    /// <summary>
    /// An order's due time is at least this long after its placement (default 24 h, the shortest
    /// delivery time a Gig offers). The buyer places the order and names the due time: without a
    /// floor a buyer could make an order late at will (due a second after placing) and then cancel
    /// it alone as late, against the seller (SPEC 2); it also bounds how large a short order's
    /// lateness is next to its duration (SPEC 5.1, on-time delivery).
    /// </summary>
    public TimeSpan MinDueAfter { get; init; } = TimeSpan.FromDays(1);

    /// <summary>An order's due time, also after extensions, is at most this long after its placement (default 365 days).</summary>
    public TimeSpan MaxDueAfter { get; init; } = TimeSpan.FromDays(365);

    /// <summary>Longest single extension a seller may ask for (default 30 days).</summary>
    public TimeSpan MaxExtension { get; init; } = TimeSpan.FromDays(30);

    /// <summary>Most revisions an order may include (default 100).</summary>
    public int MaxRevisionsIncluded { get; init; } = 100;

    /// <summary>How messages name a setting of this policy.</summary>
    public static string Key(string setting) => "Orders:" + setting;

    /// <summary>Problems, each naming the setting; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        Positive(problems, nameof(AutoCompleteAfter), AutoCompleteAfter);
        Positive(problems, nameof(ExtensionAutoAcceptAfter), ExtensionAutoAcceptAfter);
        Positive(problems, nameof(PlacedByMistakeWithin), PlacedByMistakeWithin);
        if (MaxAmountMinor is < 1 or > AmountCeilingMinor)
        {
            problems.Add($"{nameof(MaxAmountMinor)} must be from 1 to {AmountCeilingMinor.ToString(CultureInfo.InvariantCulture)} (was {MaxAmountMinor.ToString(CultureInfo.InvariantCulture)})");
        }

        if (MaxDueAfter <= TimeSpan.Zero || MaxDueAfter > DueHorizonCeiling)
        {
            problems.Add($"{nameof(MaxDueAfter)} must be > 0 and at most {DueHorizonCeiling:c} (was {MaxDueAfter:c})");
        }

        if (MinDueAfter <= TimeSpan.Zero || MinDueAfter > MaxDueAfter)
        {
            problems.Add($"{nameof(MinDueAfter)} must be > 0 and at most {nameof(MaxDueAfter)} (was {MinDueAfter:c})");
        }

        if (MaxExtension <= TimeSpan.Zero || MaxExtension > MaxDueAfter)
        {
            problems.Add($"{nameof(MaxExtension)} must be > 0 and at most {nameof(MaxDueAfter)} (was {MaxExtension:c})");
        }

        if (MaxRevisionsIncluded is < 0 or > 10_000)
        {
            problems.Add($"{nameof(MaxRevisionsIncluded)} must be from 0 to 10000 (was {MaxRevisionsIncluded})");
        }

        return problems;
    }

    private static void Positive(List<string> problems, string name, TimeSpan value)
    {
        if (value <= TimeSpan.Zero)
        {
            problems.Add($"{name} must be > 0 (was {value})");
        }
    }
}
