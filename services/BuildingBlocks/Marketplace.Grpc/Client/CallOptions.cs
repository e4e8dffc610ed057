namespace Marketplace.Grpc;

/// <summary>
/// Per-call settings, as Grpc.Core's <c>CallOptions</c>: request metadata, deadline (UTC),
/// cancellation, and whether the call may be retried.
/// </summary>
public readonly struct CallOptions
{
    public CallOptions(Metadata? headers = null, DateTime? deadline = null, CancellationToken cancellationToken = default, bool isIdempotent = false)
    {
        Headers = headers;
        Deadline = deadline;
        CancellationToken = cancellationToken;
        IsIdempotent = isIdempotent;
    }

    public Metadata? Headers { get; }

    /// <summary>When the caller stops waiting; sent as <c>grpc-timeout</c> and enforced locally.</summary>
    public DateTime? Deadline { get; }

    public CancellationToken CancellationToken { get; }

    /// <summary>
    /// The call has no effect when repeated: a unary call so marked is retried on UNAVAILABLE
    /// by the channel's <see cref="GrpcChannelOptions.UnavailableRetry"/> pipeline. Others never are.
    /// </summary>
    public bool IsIdempotent { get; }

    public CallOptions WithHeaders(Metadata headers) => new(headers, Deadline, CancellationToken, IsIdempotent);

    public CallOptions WithDeadline(DateTime deadline) => new(Headers, deadline, CancellationToken, IsIdempotent);

    public CallOptions WithCancellationToken(CancellationToken cancellationToken) => new(Headers, Deadline, cancellationToken, IsIdempotent);

    public CallOptions WithIdempotent(bool isIdempotent = true) => new(Headers, Deadline, CancellationToken, isIdempotent);
}
