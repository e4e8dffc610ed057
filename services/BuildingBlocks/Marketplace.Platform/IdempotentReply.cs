using System.Security.Cryptography;
using Google.Protobuf;
using Marketplace.Grpc;

namespace Marketplace.Platform;

/// <summary>
/// What is stored with a command's "done" marker: a SHA-256 digest of the RPC name and the
/// request, then the response. A repeat with the same request id and the same request gets
/// the stored response; the same request id reused for a different request is refused with
/// ALREADY_EXISTS instead of silently answering for the first one.
/// </summary>
public static class IdempotentReply
{
    private const int DigestLength = 32;

    public static byte[] Digest(string rpc, IMessage request)
    {
        var name = System.Text.Encoding.UTF8.GetBytes(rpc + "\n");
        return SHA256.HashData([.. name, .. request.ToByteArray()]);
    }

    public static byte[] Encode(byte[] digest, IMessage response) => [.. digest, .. response.ToByteArray()];

    /// <summary>The stored response, or ALREADY_EXISTS when it answered a different request.</summary>
    public static T Decode<T>(byte[] stored, byte[] digest, MessageParser<T> parser, string requestId)
        where T : IMessage<T>
    {
        if (stored.Length < DigestLength || !stored.AsSpan(0, DigestLength).SequenceEqual(digest))
        {
            throw new RpcException(new Status(StatusCode.AlreadyExists,
                $"request_id '{requestId}' was already used for a different request; use a new request_id"));
        }

        return parser.ParseFrom(stored.AsSpan(DigestLength));
    }
}
