namespace Marketplace.DevHost;

/// <summary>Plain-text tables for the terminal.</summary>
internal static class Report
{
    public static void PrintEndpoints(LocalPlatform platform)
    {
        var rows = new List<string[]> { new[] { "redis", $"127.0.0.1:{platform.RedisPort}", "", platform.Children[0].Pid.ToString(System.Globalization.CultureInfo.InvariantCulture), Relative(platform, platform.Children[0].LogPath) } };
        foreach (var (service, child) in LocalPlatform.Services.Zip(platform.Children.Skip(1)))
        {
            rows.Add([service.AppId, $"127.0.0.1:{service.GrpcPort} (gRPC, h2c)", $"http://127.0.0.1:{service.HttpPort}/readyz", child.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture), Relative(platform, child.LogPath)]);
        }

        Console.WriteLine();
        PrintTable(["process", "endpoint", "health", "pid", "log"], rows);
    }

    public static void PrintTable(IReadOnlyList<string> header, IReadOnlyList<string[]> rows)
    {
        int[] widths = header.Select((h, i) => Math.Max(h.Length, rows.Count == 0 ? 0 : rows.Max(r => r[i].Length))).ToArray();
        Console.WriteLine(Line(header));
        Console.WriteLine(string.Join("  ", widths.Select(w => new string('-', w))));
        foreach (var row in rows)
        {
            Console.WriteLine(Line(row));
        }

        string Line(IReadOnlyList<string> cells) => string.Join("  ", cells.Select((c, i) => c.PadRight(widths[i]))).TrimEnd();
    }

    private static string Relative(LocalPlatform platform, string path) =>
        Path.GetRelativePath(Path.GetDirectoryName(platform.RunDirectory)!, path);
}
