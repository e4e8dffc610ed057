using Google.Protobuf;
using Google.Protobuf.Reflection;
using Marketplace.Grpc;

namespace Marketplace.Platform;

/// <summary>
/// A unary call as the platform's callers make it: the caller's bearer token in the
/// <c>authorization</c> metadata (what <see cref="CallerAuthenticator"/> reads) and a deadline.
/// </summary>
public static class AuthenticatedCalls
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Calls <paramref name="method"/> with <c>authorization: &lt;bearer&gt;</c> (none when null).</summary>
    public static async Task<TResponse> CallAsync<TRequest, TResponse>(
        this GrpcChannel channel, MethodDescriptor method, TRequest request, string? bearer, TimeSpan? timeout = null)
        where TRequest : IMessage<TRequest>
        where TResponse : IMessage<TResponse>
    {
        var headers = new Metadata();
        if (bearer is not null)
        {
            headers.Add("authorization", bearer);
        }

        using var call = channel.UnaryAsync<TRequest, TResponse>(method, request, new CallOptions(headers, DateTime.UtcNow + (timeout ?? DefaultTimeout)));
        return await call;
    }
}
