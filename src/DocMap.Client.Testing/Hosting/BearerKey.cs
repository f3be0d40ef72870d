using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace DocMap.Client.Testing;

/// <summary>Checks <c>Authorization: Bearer &lt;key&gt;</c> against the emulator's key, in constant time.</summary>
internal sealed class BearerKey(string apiKey)
{
    private const string Scheme = "Bearer ";
    private readonly byte[] _keyUtf8 = Encoding.UTF8.GetBytes(apiKey);

    public bool IsAuthorized(HttpRequest request)
    {
        var values = request.Headers[HeaderNames.Authorization];
        if (values.Count != 1 || values[0] is not { } header || !header.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var presented = header.AsSpan(Scheme.Length).Trim();
        if (presented.Length > 2048)
        {
            return false;
        }

        Span<byte> buffer = stackalloc byte[Encoding.UTF8.GetMaxByteCount(presented.Length)];
        var length = Encoding.UTF8.GetBytes(presented, buffer);
        return CryptographicOperations.FixedTimeEquals(buffer[..length], _keyUtf8);
    }
}
