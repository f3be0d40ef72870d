using System.Net.Http.Headers;
using System.Reflection;

namespace DocMap.Client.Internal;

/// <summary>Adds <c>Authorization: Bearer &lt;key&gt;</c> and the SDK's <c>User-Agent</c> to every request.</summary>
internal sealed class DocMapRequestHandler : DelegatingHandler
{
    /// <summary>The SDK's product token, such as <c>DocMap.Client/0.1.0</c>.</summary>
    internal static readonly string UserAgent = "DocMap.Client/" + GetVersion();

    // AuthenticationHeaderValue is immutable, so one instance serves every request (no allocation per call).
    private readonly AuthenticationHeaderValue _authorization;

    public DocMapRequestHandler(string apiKey)
    {
        _authorization = new AuthenticationHeaderValue("Bearer", apiKey);
    }

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        request.Headers.Authorization = _authorization;
        request.Headers.TryAddWithoutValidation("User-Agent", UserAgent);
        return base.SendAsync(request, cancellationToken);
    }

    private static string GetVersion()
    {
        var assembly = typeof(DocMapRequestHandler).Assembly;
        var informational = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        if (!string.IsNullOrEmpty(informational))
        {
            var plus = informational.IndexOf('+', StringComparison.Ordinal);
            return plus >= 0 ? informational[..plus] : informational;
        }

        return assembly.GetName().Version?.ToString(3) ?? "0.0.0";
    }
}
