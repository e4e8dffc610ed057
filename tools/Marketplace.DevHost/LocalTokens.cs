using System.Text.Json;
using Marketplace.Hosting.Identity;

namespace Marketplace.DevHost;

/// <summary>
/// Mints bearer tokens that the locally running services accept: signed with the development key
/// of the services' <c>appsettings.Development.json</c> (the environment `make run` uses).
/// </summary>
internal static class LocalTokens
{
    /// <summary>The development signing key the local services read from their appsettings.Development.json.</summary>
    public static string SigningKey(string root)
    {
        string settings = Path.Combine(root, "services", "Orders", "appsettings.Development.json");
        using var json = JsonDocument.Parse(File.ReadAllText(settings));
        return json.RootElement.GetProperty("Identity").GetProperty("SigningKey").GetString()!;
    }

    public static int Print(string root, string[] args)
    {
        if (args.Length != 2)
        {
            Console.Error.WriteLine("usage: make token SUB=<account id> ROLES=<buyer|seller|support|internal>[,...]");
            return 2;
        }

        var roles = new List<CallerRole>();
        foreach (string name in args[1].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!CallerRoles.TryParse(name, out var role))
            {
                Console.Error.WriteLine($"unknown role '{name}': use buyer, seller, support or internal");
                return 2;
            }

            roles.Add(role);
        }

        Console.WriteLine(new TokenIssuer(SigningKey(root)).Mint(args[0], roles, TimeSpan.FromHours(12)));
        return 0;
    }
}
