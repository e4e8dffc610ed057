using Marketplace.Grpc;
using Marketplace.Hosting.Identity;

namespace Marketplace.Platform;

/// <summary>
/// Reads the caller of a gRPC call from its <c>authorization</c> metadata. A call without a
/// valid token ends with UNAUTHENTICATED and a message saying what was wrong with it.
/// </summary>
public sealed class CallerAuthenticator(TokenService tokens)
{
    public async Task<Caller> AuthenticateAsync(ServerCallContext context)
    {
        string? authorization = context.GetHttpContext().Request.Headers.Authorization;
        var result = await tokens.AuthenticateAsync(authorization);
        return result.Caller ?? throw new RpcException(new Status(StatusCode.Unauthenticated, result.Failure!));
    }
}
