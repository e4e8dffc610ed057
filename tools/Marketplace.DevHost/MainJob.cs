namespace Marketplace.DevHost;

/// <summary>
/// The job `make run` runs once the platform is up. Until the walking-skeleton scenario
/// lands, it checks liveness and readiness of every service and prints the result.
/// </summary>
internal static class MainJob
{
    public static async Task<int> RunAsync(LocalPlatform platform, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var rows = new List<string[]>();
        bool allHealthy = true;
        foreach (var service in LocalPlatform.Services)
        {
            string live = await StatusAsync(http, service.HttpPort, "/healthz", cancellationToken);
            string ready = await StatusAsync(http, service.HttpPort, "/readyz", cancellationToken);
            allHealthy &= live == "200 Healthy" && ready == "200 Healthy";
            rows.Add([service.AppId, live, ready]);
        }

        Console.WriteLine();
        Console.WriteLine("Main job: health of every service");
        Report.PrintTable(["service", "/healthz", "/readyz"], rows);
        return allHealthy ? 0 : 1;
    }

    private static async Task<string> StatusAsync(HttpClient http, int port, string path, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await http.GetAsync(new Uri($"http://127.0.0.1:{port}{path}"), cancellationToken);
            string body = await response.Content.ReadAsStringAsync(cancellationToken);
            return $"{(int)response.StatusCode} {body}";
        }
        catch (HttpRequestException e)
        {
            return "unreachable: " + e.Message;
        }
    }
}
