using System.Net;
using System.Net.Sockets;

namespace Marketplace.Testing;

/// <summary>Free loopback TCP ports, taken from the kernel's ephemeral range.</summary>
public static class FreePort
{
    private static readonly HashSet<int> Handed = [];

    /// <summary>A port that was free a moment ago and that this process has not handed out before.</summary>
    public static int Next()
    {
        while (true)
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            int port = ((IPEndPoint)listener.LocalEndpoint).Port;
            lock (Handed)
            {
                if (Handed.Add(port))
                {
                    return port;
                }
            }
        }
    }
}
