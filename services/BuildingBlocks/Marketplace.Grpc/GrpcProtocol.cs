using Microsoft.Extensions.Primitives;

namespace Marketplace.Grpc;

/// <summary>Wire constants of gRPC over HTTP/2 (grpc/grpc doc/PROTOCOL-HTTP2.md), cached once.</summary>
internal static class GrpcProtocol
{
    public const string ContentType = "application/grpc";
    public const string TimeoutHeader = "grpc-timeout";
    public const string StatusHeader = "grpc-status";
    public const string MessageHeader = "grpc-message";
    public const string EncodingHeader = "grpc-encoding";
    public const string AcceptEncodingHeader = "grpc-accept-encoding";
    public const string IdentityEncoding = "identity";

    /// <summary>Default receive limit for one message, as in every gRPC implementation.</summary>
    public const int DefaultMaxReceiveMessageSize = 4 * 1024 * 1024;

    public static readonly StringValues ContentTypeValue = new(ContentType);
    public static readonly StringValues IdentityValue = new(IdentityEncoding);

    private static readonly StringValues[] StatusValues =
        Enumerable.Range(0, 17).Select(code => new StringValues(code.ToString(System.Globalization.CultureInfo.InvariantCulture))).ToArray();

    public static StringValues StatusValue(StatusCode code) =>
        (uint)code < StatusValues.Length ? StatusValues[(int)code] : new StringValues(((int)code).ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>True for <c>application/grpc</c>, <c>application/grpc+proto</c> and <c>application/grpc;…</c>.</summary>
    public static bool IsGrpcContentType(string? contentType)
    {
        if (contentType is null || !contentType.StartsWith(ContentType, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        return contentType.Length == ContentType.Length || contentType[ContentType.Length] is '+' or ';';
    }

    /// <summary>Headers that are protocol, not custom metadata.</summary>
    public static bool IsReservedHeader(string name) =>
        name.Length == 0 || name[0] == ':' || name.StartsWith("grpc-", StringComparison.OrdinalIgnoreCase)
        || name.Equals("content-type", StringComparison.OrdinalIgnoreCase)
        || name.Equals("te", StringComparison.OrdinalIgnoreCase)
        || name.Equals("host", StringComparison.OrdinalIgnoreCase)
        || name.Equals("content-length", StringComparison.OrdinalIgnoreCase);

    /// <summary>Status for a response without <c>grpc-status</c> (grpc/grpc doc/http-grpc-status-mapping.md).</summary>
    public static StatusCode FromHttpStatus(int httpStatus) => httpStatus switch
    {
        400 => StatusCode.Internal,
        401 => StatusCode.Unauthenticated,
        403 => StatusCode.PermissionDenied,
        404 => StatusCode.Unimplemented,
        429 or 502 or 503 or 504 => StatusCode.Unavailable,
        _ => StatusCode.Unknown,
    };
}
