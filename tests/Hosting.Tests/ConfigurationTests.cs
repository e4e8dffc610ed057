using Microsoft.Extensions.Configuration;
using Xunit;

namespace Marketplace.Hosting.Tests;

public sealed class ConfigurationTests
{
    private static IConfiguration Config(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder()
            .AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value)))
            .Build();

    [Fact]
    public void Valid_settings_are_read()
    {
        var options = PlatformOptions.Read(
            Config(("Platform:GrpcPort", "7101"), ("Platform:HttpPort", "7201"), ("Platform:Redis", "127.0.0.1:6379"),
                ("Platform:BindAddress", "127.0.0.1"), ("Platform:ShutdownTimeoutSeconds", "7")),
            "orders");

        Assert.Equal("orders", options.AppId);
        Assert.Equal(7101, options.GrpcPort);
        Assert.Equal(7201, options.HttpPort);
        Assert.Equal(System.Net.IPAddress.Loopback, options.BindAddress);
        Assert.Equal(TimeSpan.FromSeconds(7), options.ShutdownTimeout);
    }

    [Theory]
    [InlineData("Platform:GrpcPort", "abc", "Platform:GrpcPort must be a port number")]
    [InlineData("Platform:HttpPort", "70000", "Platform:HttpPort must be a port number")]
    [InlineData("Platform:BindAddress", "not-an-ip", "Platform:BindAddress must be an IP address")]
    [InlineData("Platform:ShutdownTimeoutSeconds", "0", "Platform:ShutdownTimeoutSeconds must be a whole number")]
    [InlineData("Platform:AppId", "Orders_Service", "Platform:AppId must be lowercase")]
    [InlineData("Platform:Redis", "", "Platform:Redis is required")]
    public void A_bad_value_is_refused_with_its_key(string key, string value, string expected)
    {
        var settings = new Dictionary<string, string>
        {
            ["Platform:GrpcPort"] = "7101",
            ["Platform:HttpPort"] = "7201",
            ["Platform:Redis"] = "127.0.0.1:6379",
            [key] = value,
        };
        var config = Config(settings.Select(p => (p.Key, p.Value)).ToArray());

        var error = Assert.Throws<InvalidConfigurationException>(() => PlatformOptions.Read(config, "orders"));
        Assert.Contains(error.Problems, p => p.StartsWith(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Equal_ports_are_refused()
    {
        var config = Config(("Platform:GrpcPort", "7101"), ("Platform:HttpPort", "7101"), ("Platform:Redis", "x:1"));
        var error = Assert.Throws<InvalidConfigurationException>(() => PlatformOptions.Read(config, "orders"));
        Assert.Contains(error.Problems, p => p.Contains("must differ", StringComparison.Ordinal));
    }
}
