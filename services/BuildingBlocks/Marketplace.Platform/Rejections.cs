using Marketplace.Domain;
using Marketplace.Grpc;

namespace Marketplace.Platform;

/// <summary>A domain rejection ends the call with the status of its kind and its message (SPEC 7).</summary>
public static class Rejections
{
    public static StatusCode StatusCodeOf(RejectionKind kind) => kind switch
    {
        RejectionKind.InvalidArgument => StatusCode.InvalidArgument,
        RejectionKind.NotFound => StatusCode.NotFound,
        RejectionKind.FailedPrecondition => StatusCode.FailedPrecondition,
        RejectionKind.PermissionDenied => StatusCode.PermissionDenied,
        RejectionKind.AlreadyExists => StatusCode.AlreadyExists,
        _ => StatusCode.Unknown,
    };

    public static RpcException ToRpcException(this Rejection rejection) =>
        new(new Status(StatusCodeOf(rejection.Kind), rejection.Message));

    /// <summary>The accepted state, or the rejection thrown as its gRPC status.</summary>
    public static T OrThrow<T>(this Decision<T> decision)
        where T : class =>
        decision.State ?? throw decision.Rejection!.ToRpcException();
}
