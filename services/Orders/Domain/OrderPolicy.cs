namespace Marketplace.Orders.Domain;

/// <summary>
/// Operator-tunable timings of the order lifecycle (SPEC 2, 1 "extension"), validated at
/// start-up so a bad value fails fast with the setting's name.
/// </summary>
/// <param name="AutoCompleteAfter">A delivered order the buyer neither accepts nor revises completes after this (default 3 days).</param>
/// <param name="ExtensionAutoAcceptAfter">A seller's extension request the buyer does not answer is accepted after this (default 48 h).</param>
public sealed record OrderPolicy(TimeSpan AutoCompleteAfter, TimeSpan ExtensionAutoAcceptAfter)
{
    public static OrderPolicy Default { get; } = new(TimeSpan.FromDays(3), TimeSpan.FromHours(48));

    /// <summary>Problems, each naming the setting; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (AutoCompleteAfter <= TimeSpan.Zero)
        {
            problems.Add($"{nameof(AutoCompleteAfter)} must be > 0 (was {AutoCompleteAfter})");
        }

        if (ExtensionAutoAcceptAfter <= TimeSpan.Zero)
        {
            problems.Add($"{nameof(ExtensionAutoAcceptAfter)} must be > 0 (was {ExtensionAutoAcceptAfter})");
        }

        return problems;
    }
}
