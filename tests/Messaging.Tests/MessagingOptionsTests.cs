using Marketplace.Hosting;
using Marketplace.Hosting.Configuration;
using Marketplace.Messaging.Domain;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Xunit;

namespace Marketplace.Messaging.Tests;

/// <summary>The <c>Messaging</c> section as the service binds it: SPEC 3 defaults, policy values read, bad values named by key.</summary>
public sealed class MessagingOptionsTests
{
    /// <summary>Binds and validates the options exactly as the service registers them.</summary>
    private static MessagingOptions Bind(params (string Key, string Value)[] values)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>($"{MessagingOptions.Section}:{v.Key}", v.Value)))
            .Build();
        var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration);
        services.AddSectionOptions<MessagingOptions>(MessagingOptions.Section);
        using var provider = services.BuildServiceProvider();
        return provider.GetRequiredService<IOptions<MessagingOptions>>().Value;
    }

    [Fact]
    public void Spec3_defaults_are_the_policy_defaults()
    {
        var options = Bind();

        Assert.Equal(MessagingPolicy.Default, options.Policy);
        Assert.Equal(TimeSpan.FromHours(24), options.Policy.UnresponsiveAfter);
        Assert.Equal(TimeSpan.FromDays(14), options.ReviewWindow);
        Assert.Equal(TimeSpan.FromSeconds(10), options.SweepInterval);
    }

    [Fact]
    public void Spec3_windows_are_policy_read_from_the_section()
    {
        var options = Bind(
            (nameof(MessagingOptions.UnresponsiveAfterHours), "12"),
            (nameof(MessagingOptions.ResponseWindowHours), "0.5"),
            (nameof(MessagingOptions.ResponseRatePeriodDays), "30"),
            (nameof(MessagingOptions.ReviewRequestMaxOrderAgeDays), "60"),
            (nameof(MessagingOptions.ReviewWindowDays), "30"),
            (nameof(MessagingOptions.SweepIntervalMs), "250"));

        Assert.Equal(TimeSpan.FromHours(12), options.Policy.UnresponsiveAfter);
        Assert.Equal(TimeSpan.FromMinutes(30), options.Policy.ResponseWindow);
        Assert.Equal(TimeSpan.FromDays(30), options.Policy.ResponseRatePeriod);
        Assert.Equal(TimeSpan.FromDays(60), options.Policy.ReviewRequestMaxOrderAge);
        Assert.Equal(TimeSpan.FromDays(30), options.ReviewWindow);
        Assert.Equal(TimeSpan.FromMilliseconds(250), options.SweepInterval);
        Assert.Equal(MessagingPolicy.Default.IncentiveTerms, options.Policy.IncentiveTerms);
    }

    [Theory]
    [InlineData("UnresponsiveAfterHours", "0", "must be a number of hours greater than 0 and at most 8760")]
    [InlineData("ResponseWindowHours", "-1", "must be a number of hours greater than 0 and at most 8760")]
    [InlineData("ResponseRatePeriodDays", "NaN", "must be a number of days greater than 0 and at most 3650")]
    [InlineData("ReviewRequestMaxOrderAgeDays", "1e9", "must be a number of days greater than 0 and at most 3650")]
    [InlineData("ReviewWindowDays", "0", "must be a number of days greater than 0 and at most 3650")]
    [InlineData("SweepIntervalMs", "5", "must be a whole number of milliseconds from 10 to 3600000")]
    public void Spec7_a_bad_value_is_refused_naming_its_key_and_value(string key, string value, string rule)
    {
        var error = Assert.Throws<OptionsValidationException>(() => Bind((key, value)));

        Assert.Equal([$"Messaging:{key} {rule} (got '{value}')"], ServiceRunner.ConfigurationProblems(error));
    }

    [Fact]
    public void Spec7_a_value_that_is_not_a_number_is_refused_naming_its_key()
    {
        var error = Record.Exception(() => Bind((nameof(MessagingOptions.UnresponsiveAfterHours), "a day")));

        var problem = Assert.Single(ServiceRunner.ConfigurationProblems(error!));
        Assert.Contains("'Messaging:UnresponsiveAfterHours'", problem, StringComparison.Ordinal);
    }
}
