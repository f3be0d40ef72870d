namespace DocMap.Client.Internal;

/// <summary>
/// The client follows no redirect: DocMap's API does not redirect, and a followed redirect would send a DELETE or a
/// POST's body to another origin and report its answer as DocMap's. The primary handler is configured not to follow
/// them (<see cref="DisableAutoRedirect"/>), a 3xx becomes a <see cref="DocMapApiException"/> naming the
/// <c>Location</c> origin (<see cref="Origin"/>), and <see cref="DocMapRedirectGuardHandler"/> refuses the answer of a
/// redirect that an opaque handler followed anyway.
/// </summary>
internal static class DocMapRedirects
{
    /// <summary>Scheme, host and port of an absolute URI (<c>https://api.example.com:443</c>): never user info, path or query.</summary>
    public static string Origin(Uri uri) =>
        uri.GetComponents(UriComponents.SchemeAndServer | UriComponents.StrongPort, UriFormat.UriEscaped);

    /// <summary>The origin a response's <c>Location</c> points to (resolved against the request's URI when relative), or <see langword="null"/> when there is none.</summary>
    public static string? LocationOrigin(HttpResponseMessage response)
    {
        var location = response.Headers.Location;
        if (location is null)
        {
            return null;
        }

        if (!location.IsAbsoluteUri)
        {
            if (response.RequestMessage?.RequestUri is not { IsAbsoluteUri: true } requestUri)
            {
                return null;
            }

            location = new Uri(requestUri, location);
        }

        return Origin(location);
    }

    /// <summary>
    /// Switches off automatic redirects on <paramref name="handler"/>, or on the <see cref="SocketsHttpHandler"/> or
    /// <see cref="HttpClientHandler"/> at the end of its chain of <see cref="DelegatingHandler"/>s. Other handler types
    /// are left as they are (<see cref="DocMapRedirectGuardHandler"/> still refuses a redirect they follow).
    /// </summary>
    /// <exception cref="InvalidOperationException">The handler follows redirects and can no longer be changed, because it has already sent requests.</exception>
    public static void DisableAutoRedirect(HttpMessageHandler handler)
    {
        var current = handler;
        while (current is DelegatingHandler { InnerHandler: { } inner })
        {
            current = inner;
        }

        try
        {
            switch (current)
            {
                case SocketsHttpHandler { AllowAutoRedirect: true } sockets:
                    sockets.AllowAutoRedirect = false;
                    break;
                case HttpClientHandler { AllowAutoRedirect: true } client:
                    client.AllowAutoRedirect = false;
                    break;
            }
        }
        catch (InvalidOperationException ex)
        {
            throw new InvalidOperationException(
                $"The primary HTTP message handler of the DocMap client ({current.GetType().Name}) follows redirects and has already sent requests, so the client cannot switch that off. Give the DocMap client a handler of its own, or set AllowAutoRedirect = false on it before its first request.",
                ex);
        }
    }
}
