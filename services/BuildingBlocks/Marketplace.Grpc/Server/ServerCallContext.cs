using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Marketplace.Grpc;

/// <summary>
/// What a service method knows about its call, shaped like Grpc.Core's
/// <c>ServerCallContext</c>: request metadata, deadline, cancellation, response headers
/// and trailers, and a status to end with.
/// </summary>
public sealed class ServerCallContext
{
    private readonly HttpContext _http;
    private Metadata? _requestHeaders;
    private Metadata? _responseTrailers;

    private readonly CancellationToken? _deadlineToken;

    /// <param name="deadlineToken">The token of the call's deadline source, or null without a deadline
    /// (then the request's own abort token is used, created by Kestrel only if someone asks for it).</param>
    internal ServerCallContext(HttpContext http, string method, DateTime deadline, CancellationToken? deadlineToken)
    {
        _http = http;
        Method = method;
        Deadline = deadline;
        _deadlineToken = deadlineToken;
    }

    /// <summary>The full method name, <c>/package.Service/Method</c>.</summary>
    public string Method { get; }

    public string Host => _http.Request.Host.Value ?? "";

    /// <summary>The caller's address, e.g. <c>ipv4:127.0.0.1:50312</c>.</summary>
    public string Peer
    {
        get
        {
            var connection = _http.Connection;
            if (connection.RemoteIpAddress is null)
            {
                return "unknown";
            }

            string family = connection.RemoteIpAddress.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? "ipv6" : "ipv4";
            return string.Create(CultureInfo.InvariantCulture, $"{family}:{connection.RemoteIpAddress}:{connection.RemotePort}");
        }
    }

    /// <summary>When the caller stops waiting (UTC); <see cref="DateTime.MaxValue"/> without <c>grpc-timeout</c>.</summary>
    public DateTime Deadline { get; }

    /// <summary>Cancelled when the client cancels, the connection drops or the deadline passes.</summary>
    public CancellationToken CancellationToken => _deadlineToken ?? _http.RequestAborted;

    /// <summary>The request's custom metadata (built on first use).</summary>
    public Metadata RequestHeaders => _requestHeaders ??= ReadRequestHeaders(_http.Request.Headers);

    /// <summary>Metadata sent in the trailers with the status.</summary>
    public Metadata ResponseTrailers => _responseTrailers ??= new Metadata();

    /// <summary>The status to end with when the method returns normally (default OK).</summary>
    public Status Status { get; set; } = Status.DefaultSuccess;

    internal bool HasResponseTrailers => _responseTrailers is { Count: > 0 };

    internal bool MessageWritten { get; set; }

    /// <summary>Sends the response headers now, with this metadata. At most once, before any message.</summary>
    public Task WriteResponseHeadersAsync(Metadata responseHeaders)
    {
        if (_http.Response.HasStarted || MessageWritten)
        {
            throw new InvalidOperationException("Response headers can only be sent once, before the first message.");
        }

        var headers = _http.Response.Headers;
        foreach (var entry in responseHeaders)
        {
            headers.Append(entry.Key, entry.WireValue);
        }

        return SendHeadersAsync();
    }

    private async Task SendHeadersAsync()
    {
        // Kestrel holds HTTP/2 headers until the first flush: flush now so the client sees them.
        await _http.Response.StartAsync(CancellationToken);
        await _http.Response.BodyWriter.FlushAsync(CancellationToken);
    }

    /// <summary>The underlying ASP.NET Core request, as grpc-dotnet's <c>GetHttpContext()</c>.</summary>
    public HttpContext GetHttpContext() => _http;

    internal static Metadata ReadRequestHeaders(IHeaderDictionary headers)
    {
        var metadata = new Metadata();
        foreach (var (name, values) in headers)
        {
            if (GrpcProtocol.IsReservedHeader(name) || !Metadata.IsValidKey(name))
            {
                continue;
            }

            bool binary = name.EndsWith(Metadata.BinaryHeaderSuffix, StringComparison.Ordinal);
            foreach (string? value in values)
            {
                if (value is null)
                {
                    continue;
                }

                try
                {
                    if (!binary)
                    {
                        metadata.Add(new Metadata.Entry(name, value));
                        continue;
                    }

                    // Repeated binary values may arrive joined by ','.
                    foreach (string part in value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
                    {
                        metadata.Add(new Metadata.Entry(name, Metadata.DecodeBinary(part)));
                    }
                }
                catch (Exception e) when (e is FormatException or ArgumentException)
                {
                    // A header that is not valid metadata (bad base64, non-ASCII) is left out rather than failing the call.
                }
            }
        }

        return metadata;
    }
}
