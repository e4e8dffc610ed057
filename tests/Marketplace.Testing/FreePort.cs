using System.Net;
using System.Net.Sockets;

namespace Marketplace.Testing;

/// <summary>
/// Free loopback TCP ports for the servers tests start. They are picked at random below the kernel's
/// ephemeral range (<c>/proc/sys/net/ipv4/ip_local_port_range</c>, 32768 and up by default): a port
/// from that range can be taken by the local end of any outgoing connection (a client of Redis, of
/// a service) between the moment it is handed out and the moment the server binds it, which made
/// busy test runs fail now and then with a server that could not listen. Test processes run in
/// parallel (one per test assembly), and a service process binds its ports a second or two after
/// they were handed out, so another test process could find the same port still free and take
/// it too (a fresh-clone run saw "address already in use"): each handed port is also reserved for
/// the life of the process by an exclusive lock on a file named after it
/// (<see cref="LockDirectory"/>; the kernel releases the lock when the process ends, however it ends).
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

            if (Reserve(port) is not { } reservation)
            {
                continue; // another test process handed it out
            }

            try
            {
                using var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
            }
            catch (SocketException)
            {
                reservation.Dispose();
                continue; // in use
            }

            lock (Handed)
            {
                if (Handed.Add(port))
                {
                    Reservations.Add(reservation);
                    return port;
                }
            }

            reservation.Dispose();
        }
    }

    /// <summary>Where the test processes of this machine reserve the ports they hand out.</summary>
    public static readonly string LockDirectory = Path.Combine(Path.GetTempPath(), "marketplace-test-ports");

    /// <summary>The reservations of this process, held open until it ends.</summary>
    private static readonly List<FileStream> Reservations = [];

    /// <summary>An exclusive lock on the port's file (FileShare.None takes a non-blocking flock on Linux); null when another process holds it.</summary>
    private static FileStream? Reserve(int port)
    {
        try
        {
            Directory.CreateDirectory(LockDirectory);
            return new FileStream(Path.Combine(LockDirectory, port.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            return null;
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
