using System.ComponentModel.DataAnnotations;
using System.Net;

namespace Marketplace.Hosting.Configuration;

/// <summary>The value is an IPv4 or IPv6 address.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class IpAddressAttribute() : ValidationAttribute("must be an IP address such as 0.0.0.0 or 127.0.0.1")
{
    public override bool IsValid(object? value) => value is string text && IPAddress.TryParse(text, out _);
}
