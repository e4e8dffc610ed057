using System.ComponentModel.DataAnnotations;
using Marketplace.Orders.Domain;

namespace Marketplace.Orders;

/// <summary>
/// The Orders service's settings (section <c>Orders</c>): the lifecycle policy timings of SPEC 2
/// (operator-tunable, written as .NET time spans <c>d.hh:mm:ss</c>) and how often the timer loop
/// looks for due orders. Bound and validated at start-up; a bad value stops the service naming the key.
/// </summary>
public sealed class OrdersOptions : IValidatableObject
{
    public const string Section = "Orders";

    /// <summary>A delivered order the buyer neither accepts nor revises completes after this.</summary>
    public TimeSpan AutoCompleteAfter { get; set; } = OrderPolicy.Default.AutoCompleteAfter;

    /// <summary>A seller's extension request the buyer does not answer is accepted after this.</summary>
    public TimeSpan ExtensionAutoAcceptAfter { get; set; } = OrderPolicy.Default.ExtensionAutoAcceptAfter;

    [Range(10, 3_600_000, ErrorMessage = "must be a whole number of milliseconds from {1} to {2}")]
    public int TimerSweepIntervalMs { get; set; } = 1000;

    public OrderPolicy Policy => new(AutoCompleteAfter, ExtensionAutoAcceptAfter);

    public TimeSpan TimerSweepInterval => TimeSpan.FromMilliseconds(TimerSweepIntervalMs);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (AutoCompleteAfter <= TimeSpan.Zero || AutoCompleteAfter > TimeSpan.FromDays(365))
        {
            yield return new ValidationResult("must be a time span from 00:00:00.001 to 365.00:00:00", [nameof(AutoCompleteAfter)]);
        }

        if (ExtensionAutoAcceptAfter <= TimeSpan.Zero || ExtensionAutoAcceptAfter > TimeSpan.FromDays(365))
        {
            yield return new ValidationResult("must be a time span from 00:00:00.001 to 365.00:00:00", [nameof(ExtensionAutoAcceptAfter)]);
        }
    }
}
