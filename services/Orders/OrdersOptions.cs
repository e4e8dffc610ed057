using System.ComponentModel.DataAnnotations;
using Marketplace.Orders.Domain;

namespace Marketplace.Orders;

/// <summary>
/// The Orders service's settings (section <c>Orders</c>): the lifecycle policy of SPEC 2 (operator-tunable,
/// time spans written as .NET time spans <c>d.hh:mm:ss</c>), the bounds of what a request may carry, and how
/// often the timer loop looks for due orders. Bound and validated at start-up; a bad value stops the
/// service naming the key.
/// </summary>
public sealed class OrdersOptions : IValidatableObject
{
    public const string Section = "Orders";

    private static readonly TimeSpan MaxWindow = TimeSpan.FromDays(365);

    /// <summary>A delivered order the buyer neither accepts nor revises completes after this.</summary>
    public TimeSpan AutoCompleteAfter { get; set; } = OrderPolicy.Default.AutoCompleteAfter;

    /// <summary>A seller's extension request the buyer does not answer is accepted after this.</summary>
    public TimeSpan ExtensionAutoAcceptAfter { get; set; } = OrderPolicy.Default.ExtensionAutoAcceptAfter;

    /// <summary>The buyer may claim "placed by mistake" or "duplicate order" only within this time of placing.</summary>
    public TimeSpan PlacedByMistakeWithin { get; set; } = OrderPolicy.Default.PlacedByMistakeWithin;

    /// <summary>
    /// The currencies an order may be placed in, comma-separated ISO 4217 codes. Each needs a USD rate in
    /// Scoring (<c>Scoring:Currencies</c>; USD has one built in), or Scoring could not weigh the order.
    /// </summary>
    public string Currencies { get; set; } = OrderPolicy.Default.Currencies;

    /// <summary>Largest order amount in minor units of its currency.</summary>
    public long MaxAmountMinor { get; set; } = OrderPolicy.Default.MaxAmountMinor;

    /// <summary>An order's due time is at least this long after its placement (the shortest delivery time).</summary>
    public TimeSpan MinDueAfter { get; set; } = OrderPolicy.Default.MinDueAfter;

    /// <summary>An order's due time (also after extensions) is at most this long after its placement.</summary>
    public TimeSpan MaxDueAfter { get; set; } = OrderPolicy.Default.MaxDueAfter;

    /// <summary>Longest single extension a seller may ask for.</summary>
    public TimeSpan MaxExtension { get; set; } = OrderPolicy.Default.MaxExtension;

    /// <summary>Most revisions an order may include.</summary>
    [Range(0, 10_000, ErrorMessage = "must be a whole number from {1} to {2}")]
    public int MaxRevisionsIncluded { get; set; } = OrderPolicy.Default.MaxRevisionsIncluded;

    [Range(10, 3_600_000, ErrorMessage = "must be a whole number of milliseconds from {1} to {2}")]
    public int TimerSweepIntervalMs { get; set; } = 1000;

    public OrderPolicy Policy => new(AutoCompleteAfter, ExtensionAutoAcceptAfter)
    {
        PlacedByMistakeWithin = PlacedByMistakeWithin,
        Currencies = Currencies,
        MaxAmountMinor = MaxAmountMinor,
        MinDueAfter = MinDueAfter,
        MaxDueAfter = MaxDueAfter,
        MaxExtension = MaxExtension,
        MaxRevisionsIncluded = MaxRevisionsIncluded,
    };

    public TimeSpan TimerSweepInterval => TimeSpan.FromMilliseconds(TimerSweepIntervalMs);

    private IReadOnlyList<string> CurrencyCodes => Policy.CurrencyCodes;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var (key, value) in new[]
        {
            (nameof(AutoCompleteAfter), AutoCompleteAfter),
            (nameof(ExtensionAutoAcceptAfter), ExtensionAutoAcceptAfter),
            (nameof(PlacedByMistakeWithin), PlacedByMistakeWithin),
        })
        {
            if (value <= TimeSpan.Zero || value > MaxWindow)
            {
                yield return new ValidationResult("must be a time span from 00:00:00.001 to 365.00:00:00", [key]);
            }
        }

        if (CurrencyCodes is [] || !CurrencyCodes.All(Money.IsCurrencyCode))
        {
            yield return new ValidationResult("must be ISO 4217 codes of three upper-case letters, separated by commas (e.g. USD,EUR)", [nameof(Currencies)]);
        }

        if (MaxAmountMinor is < 1 or > OrderPolicy.AmountCeilingMinor)
        {
            yield return new ValidationResult(
                $"must be a whole number of minor units from 1 to {OrderPolicy.AmountCeilingMinor} (a million orders at the limit stay below the int64 maximum)",
                [nameof(MaxAmountMinor)]);
        }

        bool horizonValid = MaxDueAfter > TimeSpan.Zero && MaxDueAfter <= OrderPolicy.DueHorizonCeiling;
        if (!horizonValid)
        {
            yield return new ValidationResult($"must be a time span from 00:00:00.001 to {OrderPolicy.DueHorizonCeiling:c}", [nameof(MaxDueAfter)]);
        }

        if (MinDueAfter <= TimeSpan.Zero || (horizonValid && MinDueAfter > MaxDueAfter) || MinDueAfter > OrderPolicy.DueHorizonCeiling)
        {
            yield return new ValidationResult($"must be a time span from 00:00:00.001 to {Section}:{nameof(MaxDueAfter)}", [nameof(MinDueAfter)]);
        }

        if (MaxExtension <= TimeSpan.Zero || (horizonValid && MaxExtension > MaxDueAfter) || MaxExtension > OrderPolicy.DueHorizonCeiling)
        {
            yield return new ValidationResult($"must be a time span from 00:00:00.001 to {Section}:{nameof(MaxDueAfter)}", [nameof(MaxExtension)]);
        }
    }
}
