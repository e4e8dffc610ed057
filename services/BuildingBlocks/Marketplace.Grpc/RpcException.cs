namespace Marketplace.Grpc;

/// <summary>
/// A call that ended with a non-OK status. Services throw it to answer with an application
/// status (e.g. <see cref="StatusCode.NotFound"/>); clients catch it for every failed call.
/// </summary>
public sealed class RpcException : Exception
{
    public RpcException(Status status)
        : this(status, new Metadata())
    {
    }

    public RpcException(Status status, string message)
        : this(status, new Metadata(), message)
    {
    }

    public RpcException(Status status, Metadata trailers, string? message = null)
        : base(message ?? status.ToString())
    {
        Status = status;
        Trailers = trailers;
    }

    public Status Status { get; }

    public StatusCode StatusCode => Status.StatusCode;

    /// <summary>Trailing metadata: sent with the status on the server, received with it on the client.</summary>
    public Metadata Trailers { get; }
}
