using System.Globalization;
using Grpc.Core;
using Grpc.Net.Client;
using Marketplace.Clients;
using Marketplace.Contracts.Scoring.V1;
using Marketplace.Hosting.Identity;
using Spectre.Console;

namespace Marketplace.DevHost;

/// <summary>
/// <c>make rebuild [DRY=1] [SCORING=http://host:port]</c>: starts RebuildScores on a running Scoring
/// (by default the local one of <c>make run</c>) as an internal caller and follows GetRebuildStatus
/// until it ends, with a progress bar on a terminal (a plain line per change otherwise). Exit code 0
/// when the rebuild succeeded, 1 when it failed, 2 for bad arguments. The token is signed with
/// <c>Identity__SigningKey</c> when set, else the local development key.
/// </summary>
internal static class RebuildCommand
{
    public static async Task<int> RunAsync(string root, string[] args, CancellationToken cancellationToken)
    {
        bool dryRun = false;
        var address = new Uri($"http://127.0.0.1:{LocalPlatform.Services.Single(s => s.AppId == "scoring").GrpcPort}");
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--dry-run":
                    dryRun = true;
                    break;
                case "--scoring" when i + 1 < args.Length && Uri.TryCreate(args[i + 1], UriKind.Absolute, out var given):
                    address = given;
                    i++;
                    break;
                default:
                    await Console.Error.WriteLineAsync($"unknown argument '{args[i]}'; usage: rebuild [--dry-run] [--scoring http://host:port]");
                    return 2;
            }
        }

        string key = Environment.GetEnvironmentVariable("Identity__SigningKey") is { Length: > 0 } configured ? configured : LocalTokens.SigningKey(root);
        var headers = PlatformClients.Authorization(new TokenIssuer(key).Bearer("devhost-rebuild", CallerRole.Internal));
        using var channel = GrpcChannel.ForAddress(address);
        var client = new ScoringService.ScoringServiceClient(channel);

        RebuildStatus status;
        try
        {
            status = await client.RebuildScoresAsync(new RebuildScoresRequest { RequestId = Guid.NewGuid().ToString("N"), DryRun = dryRun }, headers, cancellationToken: cancellationToken);
        }
        catch (RpcException e)
        {
            await Console.Error.WriteLineAsync($"RebuildScores on {address}: {e.StatusCode}: {e.Status.Detail}");
            return 1;
        }

        Console.WriteLine($"{(dryRun ? "Dry run" : "Rebuild")} {status.RebuildId} started on {address}");
        async Task<RebuildStatus> PollAsync()
        {
            await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken);
            var now = await client.GetRebuildStatusAsync(new GetRebuildStatusRequest(), headers, cancellationToken: cancellationToken);
            return now.RebuildId == status.RebuildId ? now : throw new InvalidOperationException($"another rebuild ({now.RebuildId}) replaced {status.RebuildId}");
        }

        if (AnsiConsole.Profile.Capabilities.Interactive && !Console.IsOutputRedirected)
        {
            await AnsiConsole.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
                .StartAsync(async context =>
                {
                    var bar = context.AddTask("plan", maxValue: 1);
                    while (status.State == RebuildState.Running)
                    {
                        status = await PollAsync();
                        bar.Description = $"{status.Phase} {status.OrdersDone:N0}/{status.OrdersTotal:N0} orders";
                        bar.MaxValue = Math.Max(1, status.OrdersTotal);
                        bar.Value = status.OrdersDone;
                    }

                    bar.Value = bar.MaxValue;
                });
        }
        else
        {
            string last = "";
            while (status.State == RebuildState.Running)
            {
                status = await PollAsync();
                string line = $"{status.Phase}: {status.OrdersDone}/{status.OrdersTotal} orders";
                if (line != last)
                {
                    Console.WriteLine(line);
                    last = line;
                }
            }
        }

        var took = (status.FinishedAt?.ToDateTimeOffset() ?? DateTimeOffset.UtcNow) - status.StartedAt.ToDateTimeOffset();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{status.State}: {status.OrdersDone} orders of {status.GigsTotal} Gigs in {took.TotalSeconds:F1} s ({status.OrdersDone / Math.Max(took.TotalSeconds, 0.001):F0} orders/s); generation {status.Generation}; {status.GigsReapplied} Gigs recomputed after events during the run"));
        if (status.Changes is { } c)
        {
            Console.WriteLine($"{(status.DryRun ? "Would change" : "Changed")}: {c.GigsScoreChanged} of {c.GigsCompared} Gig scores; {c.SellersScoreChanged} seller scores, {c.SellersLevelChanged} levels, {c.SellersFlagChanged} low-performance flags of {c.SellersCompared} sellers");
        }

        if (status.Error.Length > 0)
        {
            Console.WriteLine("Error: " + status.Error);
        }

        return status.State == RebuildState.Succeeded ? 0 : 1;
    }
}
