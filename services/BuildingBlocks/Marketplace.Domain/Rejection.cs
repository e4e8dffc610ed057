namespace Marketplace.Domain;

/// <summary>
/// The gRPC status category of a refused command. The domain decides the category so that
/// the transport maps it one to one (INVALID_ARGUMENT, NOT_FOUND, ...) without re-deriving
/// business meaning from messages.
/// </summary>
public enum RejectionKind
{
    InvalidArgument,
    NotFound,
    FailedPrecondition,
    PermissionDenied,
    AlreadyExists,

    /// <summary>A dependency is away for now; the same request may succeed later.</summary>
    Unavailable,
}

/// <summary>
/// Why a command was refused: a category and a message naming the field or rule (SPEC 7).
/// A refused command changes nothing.
/// </summary>
public sealed record Rejection(RejectionKind Kind, string Message)
{
    public static Rejection InvalidArgument(string message) => new(RejectionKind.InvalidArgument, message);

    public static Rejection NotFound(string message) => new(RejectionKind.NotFound, message);

    public static Rejection FailedPrecondition(string message) => new(RejectionKind.FailedPrecondition, message);

    public static Rejection PermissionDenied(string message) => new(RejectionKind.PermissionDenied, message);

    public static Rejection AlreadyExists(string message) => new(RejectionKind.AlreadyExists, message);

    public static Rejection Unavailable(string message) => new(RejectionKind.Unavailable, message);
}

/// <summary>
/// A <see cref="Domain.Rejection"/> thrown: how the API layer ends a call that the domain (or a
/// request check) refused. The platform's gRPC status interceptor turns it into the status of
/// its kind with its message, in one place.
/// </summary>
public sealed class RejectedException(Rejection rejection) : Exception(rejection.Message)
{
    public Rejection Rejection { get; } = rejection;
}

public static class RejectionExtensions
{
    public static RejectedException ToException(this Rejection rejection) => new(rejection);

    /// <summary>The accepted state, or the rejection thrown.</summary>
    public static T OrThrow<T>(this Decision<T> decision)
        where T : class =>
        decision.State ?? throw decision.Rejection!.ToException();
}
