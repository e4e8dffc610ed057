using Google.Protobuf.WellKnownTypes;
using Marketplace.Platform;

namespace Marketplace.Orders.Domain;

/// <summary>Field checks shared by the order commands; each failure names the field.</summary>
internal static class Validate
{
    // Timestamp range of google/protobuf/timestamp.proto: 0001-01-01 to 9999-12-31.
    private const long MinTimestampSeconds = -62_135_596_800;
    private const long MaxTimestampSeconds = 253_402_300_799;
    private const long MaxDurationSeconds = 315_576_000_000;

    /// <summary>
    /// An id, or a name used like one (a category): the platform's id rules (not blank, bounded,
    /// no control characters). A buyer names the Gig, its seller and its category when placing an
    /// order, and every service keys records by them and packs them into stored values.
    /// </summary>
    public static Rejection? Id(string field, string? value) => RequestFields.IdProblem(field, value);

    public static Rejection? NotEmpty(string field, string? value) =>
        string.IsNullOrWhiteSpace(value) ? Rejection.InvalidArgument($"{field} must not be empty") : null;

    public static Rejection? Timestamp(string field, Timestamp? value)
    {
        if (value is null)
        {
            return Rejection.InvalidArgument($"{field} is required");
        }

        return value.Seconds is < MinTimestampSeconds or > MaxTimestampSeconds || value.Nanos is < 0 or > 999_999_999
            ? Rejection.InvalidArgument($"{field} is not a valid timestamp")
            : null;
    }

    public static Rejection? PositiveDuration(string field, Duration? value)
    {
        if (value is null)
        {
            return Rejection.InvalidArgument($"{field} is required");
        }

        var valid = Math.Abs(value.Seconds) <= MaxDurationSeconds
            && Math.Abs(value.Nanos) <= 999_999_999
            && (value.Seconds == 0 || value.Nanos == 0 || Math.Sign(value.Seconds) == Math.Sign(value.Nanos));
        if (!valid)
        {
            return Rejection.InvalidArgument($"{field} is not a valid duration");
        }

        return value.ToTimeSpan() > TimeSpan.Zero ? null : Rejection.InvalidArgument($"{field} must be > 0");
    }
}
