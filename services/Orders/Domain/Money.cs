using System.Globalization;
using MoneyMessage = Marketplace.Contracts.Common.V1.Money;

namespace Marketplace.Orders.Domain;

/// <summary>
/// An exact amount: ISO 4217 code and integer minor units (as in common/v1/money.proto), so
/// partial refunds add up without rounding.
/// </summary>
public sealed record Money(string CurrencyCode, long AmountMinor)
{
    /// <summary>Checks the code is three upper-case letters and the amount is positive.</summary>
    public static Rejection? ValidatePositive(string field, MoneyMessage? money)
    {
        if (money is null)
        {
            return Rejection.InvalidArgument($"{field} is required");
        }

        if (!IsCurrencyCode(money.CurrencyCode))
        {
            return Rejection.InvalidArgument(
                $"{field}.currency_code '{money.CurrencyCode}' must be an ISO 4217 code of three upper-case letters");
        }

        return money.AmountMinor > 0
            ? null
            : Rejection.InvalidArgument($"{field}.amount_minor must be > 0 (was {money.AmountMinor.ToString(CultureInfo.InvariantCulture)})");
    }

    public static Money FromMessage(MoneyMessage money) => new(money.CurrencyCode, money.AmountMinor);

    public MoneyMessage ToMessage() => new() { CurrencyCode = CurrencyCode, AmountMinor = AmountMinor };

    public Money Plus(long amountMinor) => this with { AmountMinor = AmountMinor + amountMinor };

    public static bool IsCurrencyCode(string code) => code.Length == 3 && code.All(char.IsAsciiLetterUpper);
}
