namespace Marketplace.Hosting;

/// <summary>
/// Configuration that a service refuses to start with. <see cref="Problems"/> names each key
/// and what is wrong with it.
/// </summary>
public sealed class InvalidConfigurationException(IReadOnlyList<string> problems)
    : Exception("Invalid configuration: " + string.Join(" ", problems))
{
    public IReadOnlyList<string> Problems { get; } = problems;
}
