using System.Net;
using System.Net.Sockets;

namespace Marketplace.Testing;

/// <summary>
/// Free loopback TCP ports for the servers tests start. They are picked at random below the kernel's
/// ephemeral range (<c>/proc/sys/net/ipv4/ip_local_port_range</c>, 32768 and up by default): a port
/// from that range can be taken by the local end of any outgoing connection (a client of Redis, of
/// a service) between the moment it is handed out and the moment the server binds it, which made
/// busy test runs fail now and then with a server that could not listen.
/// </summary>
public static class FreePort
{
    private const int Low = 20_000;

    private static readonly HashSet<int> Handed = [];

    private static readonly int High = EphemeralStart();

    /// <summary>A port that was free a moment ago and that this process has not handed out before.</summary>
    public static int Next()
    {
        while (true)
        {
            int port = Random.Shared.Next(Low, High);
            lock (Handed)
            {
                if (Handed.Contains(port))
                {
                    continue;
                }
            }

            try
            {
                using var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
            }
            catch (SocketException)
            {
                continue; // in use
            }

            lock (Handed)
            {
                if (Handed.Add(port))
                {
                    return port;
                }
            }
        }
    }

    private static int EphemeralStart()
    {
        try
        {
            string range = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range");
            int start = int.Parse(range.Split((char[])['\t', ' '], StringSplitOptions.RemoveEmptyEntries)[0], System.Globalization.CultureInfo.InvariantCulture);
            return start > Low + 1_000 ? start : 32_768;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            return 32_768;
        }
    }
}
