using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Marketplace.Testing;
using Xunit;

namespace Marketplace.Hosting.Tests;

/// <summary>The ports tests hand to the servers they start (<see cref="FreePort"/>).</summary>
public sealed class FreePortTests
{
    [Fact]
    public void A_handed_out_port_is_free_below_the_ephemeral_range_and_reserved_against_other_test_processes()
    {
        int port = FreePort.Next();

        Assert.InRange(port, 20_000, 65_535);
        using (var listener = new TcpListener(IPAddress.Loopback, port))
        {
            listener.Start(); // free when handed out
        }

        // Another test process asking for the same port would find its file locked (the lock is per
        // open file, so a second open in this process meets it the same way).
        Assert.Throws<IOException>(() => new FileStream(Path.Combine(FreePort.LockDirectory, port.ToString(CultureInfo.InvariantCulture)),
            FileMode.Open, FileAccess.ReadWrite, FileShare.None));
    }

    [Fact]
    public void Ports_handed_out_by_one_process_are_never_handed_out_twice()
    {
        var ports = Enumerable.Range(0, 200).Select(_ => FreePort.Next()).ToList();

        Assert.Equal(ports.Count, ports.Distinct().Count());
    }
}
