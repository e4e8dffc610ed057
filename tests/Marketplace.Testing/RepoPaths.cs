namespace Marketplace.Testing;

/// <summary>Where things are in this checkout, found from the running test assembly.</summary>
public static class RepoPaths
{
    private static readonly Lazy<string> RootPath = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "platform.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("platform.sln not found above " + AppContext.BaseDirectory);
    });

    public static string Root => RootPath.Value;

    /// <summary>Build configuration of the running tests (Debug or Release), read from bin/&lt;Configuration&gt;/net10.0/.</summary>
    public static string Configuration =>
        new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent?.Name ?? "Debug";

    /// <summary>The built entry assembly of a service, e.g. <c>ServiceDll("Orders")</c>.</summary>
    public static string ServiceDll(string service) =>
        Path.Combine(Root, "services", service, "bin", Configuration, "net10.0", $"Marketplace.{service}.dll");
}
