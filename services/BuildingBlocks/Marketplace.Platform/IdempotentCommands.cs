using System.Security.Cryptography;
using System.Text;
using Google.Protobuf;
using Grpc.Core;
using Marketplace.Domain;
using Marketplace.EventBus;
using Marketplace.Hosting.Identity;
using Marketplace.Platform.Grpc;

namespace Marketplace.Platform;

/// <summary>
/// Runs a state-changing RPC once per caller and request id, the same way in every service
/// (SPEC 2 "all commands are idempotent by a client-supplied request id"):
/// <list type="bullet">
/// <item>one unit of work keyed <c>request:&lt;caller&gt;:&lt;request_id&gt;</c> reads, decides, and
/// commits the new state with its events and the response (<see cref="UnitOfWork"/>);</item>
/// <item>the stored response is prefixed with a SHA-256 digest of the gRPC method and the request,
/// so a repeat with the same request gets the first response unchanged, and a request id reused
/// for a different request is refused with ALREADY_EXISTS;</item>
/// <item>a refusal (a <see cref="RejectedException"/> from the work) commits nothing.</item>
/// </list>
/// </summary>
public sealed class IdempotentCommands(UnitOfWorkExecutor executor)
{
    private const int DigestLength = 32;

    /// <summary>
    /// Runs <paramref name="decide"/> for the call's caller and <paramref name="requestId"/>; it
    /// stages the state and events on the unit of work and returns the response to store and send.
    /// </summary>
    public async Task<TResponse> RunAsync<TResponse>(
        ServerCallContext context,
        string requestId,
        IMessage request,
        MessageParser<TResponse> parser,
        Func<UnitOfWork, Caller, Task<TResponse>> decide)
        where TResponse : IMessage<TResponse>
    {
        RequestFields.Id("request_id", requestId);
        var caller = context.Caller();
        byte[] digest = Digest(context.Method, request);
        var outcome = await executor.ExecuteAsync(OperationKey(caller, requestId), async (work, _) =>
        {
            var response = await decide(work, caller);
            work.SetResult(Encode(digest, response));
        }, context.CancellationToken);
        return Decode((byte[])outcome.Result!, digest, parser, requestId);
    }

    /// <summary>The stored response of an earlier run of this request, or null when there is none.</summary>
    public async Task<TResponse?> FindAsync<TResponse>(ServerCallContext context, string requestId, IMessage request, MessageParser<TResponse> parser)
        where TResponse : class, IMessage<TResponse>
    {
        RequestFields.Id("request_id", requestId);
        var stored = await executor.GetResultAsync(OperationKey(context.Caller(), requestId));
        return stored.IsNull ? null : Decode((byte[])stored!, Digest(context.Method, request), parser, requestId);
    }

    /// <summary>The operation key: the request id is the caller's own, so two callers never share one.</summary>
    public static string OperationKey(Caller caller, string requestId) => $"request:{caller.Subject}:{requestId}";

    public static byte[] Digest(string method, IMessage request)
    {
        byte[] name = Encoding.UTF8.GetBytes(method + "\n");
        return SHA256.HashData([.. name, .. request.ToByteArray()]);
    }

    private static byte[] Encode(byte[] digest, IMessage response) => [.. digest, .. response.ToByteArray()];

    private static T Decode<T>(byte[] stored, byte[] digest, MessageParser<T> parser, string requestId)
        where T : IMessage<T>
    {
        if (stored.Length < DigestLength || !stored.AsSpan(0, DigestLength).SequenceEqual(digest))
        {
            throw Rejection.AlreadyExists(
                $"request_id '{RequestFields.Shown(requestId)}' was already used for a different request; use a new request_id").ToException();
        }

        return parser.ParseFrom(stored.AsSpan(DigestLength));
    }
}
