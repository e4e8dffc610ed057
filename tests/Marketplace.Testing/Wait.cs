namespace Marketplace.Testing;

/// <summary>Polling with a generous timeout, for effects of asynchronous delivery; never a timing assertion.</summary>
public static class Wait
{
    public static async Task UntilAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(45));
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("Timed out waiting until " + what);
            }

            await Task.Delay(50);
        }
    }

    /// <summary>Polls <paramref name="find"/> until it returns a value, and returns it.</summary>
    public static async Task<T> ForAsync<T>(Func<T?> find, string what, TimeSpan? timeout = null)
        where T : class
    {
        T? found = null;
        await UntilAsync(() => Task.FromResult((found = find()) is not null), what, timeout);
        return found!;
    }
}
