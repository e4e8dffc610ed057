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
}
