using Grpc.Core;
using Marketplace.Hosting.Identity;

namespace Marketplace.Platform.Grpc;

public static class CallContextExtensions
{
    /// <summary>
    /// The authenticated caller. API classes carry <c>[Authorize]</c>, so authorization has
    /// already refused a call without a valid token before the method runs.
    /// </summary>
    public static Caller Caller(this ServerCallContext context) =>
        Hosting.Identity.Caller.From(context.GetHttpContext().User)
        ?? throw new RpcException(new Status(StatusCode.Unauthenticated, "the call carries no authenticated caller"));
}
