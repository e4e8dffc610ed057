using Marketplace.Domain;

namespace Marketplace.Platform;

/// <summary>
/// Checks of request fields every API shares (SPEC 7): each failure is INVALID_ARGUMENT naming
/// the field. Ids are bounded, and a status message never echoes more than a short prefix of
/// what a client sent (<see cref="Shown"/>), so no reply grows with the input.
/// </summary>
public static class RequestFields
{
    /// <summary>Longest accepted id (request, order, Gig, seller, conversation ids).</summary>
    public const int MaxIdLength = 128;

    /// <summary>How much of a client's value a message repeats.</summary>
    public const int MaxShownLength = 64;

    /// <summary>A required id: not blank, at most <see cref="MaxIdLength"/> characters, no control characters.</summary>
    public static string Id(string field, string? value) =>
        IdProblem(field, value) is { } problem ? throw problem.ToException() : value!;

    /// <summary>Why <paramref name="value"/> is not an id (<see cref="Id"/>'s rules), or null: for checks that return their rejection.</summary>
    public static Rejection? IdProblem(string field, string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return Rejection.InvalidArgument($"{field} must not be empty");
        }

        if (value.Length > MaxIdLength)
        {
            return Rejection.InvalidArgument($"{field} must be at most {MaxIdLength} characters (was {value.Length})");
        }

        return value.Any(char.IsControl) ? Rejection.InvalidArgument($"{field} must not contain control characters") : null;
    }

    /// <summary>The value as a message may quote it: at most <see cref="MaxShownLength"/> characters.</summary>
    public static string Shown(string? value) =>
        value is null ? "" : value.Length <= MaxShownLength ? value : value[..MaxShownLength] + "…";
}
