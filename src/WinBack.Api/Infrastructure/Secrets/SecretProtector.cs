using Microsoft.AspNetCore.DataProtection;

namespace WinBack.Api.Infrastructure.Secrets;

/// <summary>
/// The one way WinBack encrypts what it must store but not show: ASP.NET Core Data Protection, whose key ring lives in
/// PostgreSQL encrypted with the configured certificate (<see cref="DataProtectionSetup"/>). Each kind of secret derives
/// its own class with its own purpose, so that one kind's ciphertext never opens as another's.
/// </summary>
public abstract class SecretProtector(IDataProtectionProvider provider, string purpose)
{
    private readonly IDataProtector _protector = provider.CreateProtector(purpose);

    public string Protect(string secret) => _protector.Protect(secret);

    public string Unprotect(string encrypted) => _protector.Unprotect(encrypted);
}
