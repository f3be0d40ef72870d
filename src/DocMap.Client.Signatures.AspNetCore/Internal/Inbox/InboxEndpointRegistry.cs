using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.AspNetCore.Routing.Template;
using Microsoft.Extensions.DependencyInjection;

namespace DocMap.Client.Signatures.AspNetCore.Internal.Inbox;

/// <summary>
/// The inbox endpoints of this app, by route pattern: filled when the endpoints are built (their conventions register
/// them), which the workers force once the host has started, so a message finds its handler even before the first
/// request arrives.
/// </summary>
internal sealed class InboxEndpointRegistry(IServiceProvider services)
{
    private readonly ConcurrentDictionary<string, Registration> _endpoints = new(StringComparer.Ordinal);
    private readonly Lock _buildGate = new();

    /// <summary>Registers an endpoint (again, when its data source is rebuilt).</summary>
    /// <param name="owner">The mapping call the endpoint comes from.</param>
    /// <param name="endpoint">The endpoint.</param>
    /// <exception cref="InvalidOperationException">Another mapping already registered the same route pattern.</exception>
    public void Register(object owner, InboxEndpoint endpoint)
    {
        var registration = new Registration(owner, endpoint);
        var stored = _endpoints.AddOrUpdate(
            endpoint.Route,
            registration,
            (_, existing) => ReferenceEquals(existing.Owner, owner) ? registration : existing);
        if (!ReferenceEquals(stored.Owner, owner))
        {
            throw new InvalidOperationException(
                $"Two DocMap webhook endpoints are mapped with the route pattern '{endpoint.Route}': with the delivery inbox, a message names its endpoint by route pattern, so each must be unique.");
        }
    }

    /// <summary>Every registered endpoint.</summary>
    public IReadOnlyList<InboxEndpoint> All
    {
        get
        {
            EnsureBuilt();
            return [.. _endpoints.Values.Select(r => r.Endpoint).OrderBy(e => e.Route, StringComparer.Ordinal)];
        }
    }

    /// <summary>The endpoint with this route pattern, or <see langword="null"/> when this app maps none.</summary>
    public InboxEndpoint? Find(string route)
    {
        if (_endpoints.TryGetValue(route, out var registration))
        {
            return registration.Endpoint;
        }

        EnsureBuilt();
        return _endpoints.TryGetValue(route, out registration) ? registration.Endpoint : null;
    }

    /// <summary>
    /// The endpoint a delivery-log record was sent to: the one whose route pattern matches the path of the delivery's
    /// URL (a literal match first), else, when the app maps exactly one inbox endpoint, that one (a proxy or gateway may
    /// have rewritten the path); otherwise <see langword="null"/>.
    /// </summary>
    public InboxEndpoint? ForDeliveryUrl(string? url)
    {
        var all = All;
        if (all.Count == 0)
        {
            return null;
        }

        if (Uri.TryCreate(url, UriKind.Absolute, out var uri))
        {
            var path = PathString.FromUriComponent(uri);
            var literal = all.FirstOrDefault(e => string.Equals(e.Route.TrimEnd('/'), path.Value?.TrimEnd('/'), StringComparison.OrdinalIgnoreCase));
            if (literal is not null)
            {
                return literal;
            }

            var matches = all.Where(e => Matches(e.Route, path)).Take(2).ToList();
            if (matches.Count == 1)
            {
                return matches[0];
            }
        }

        return all.Count == 1 ? all[0] : null;
    }

    /// <summary>
    /// Builds the app's endpoints (their conventions register the inbox endpoints); cheap once they are built. Useful
    /// only once the host has started: before that the app's endpoint data sources are not all known.
    /// </summary>
    public void EnsureBuilt()
    {
        if (services.GetService<EndpointDataSource>() is { } dataSource)
        {
            lock (_buildGate)
            {
                _ = dataSource.Endpoints;
            }
        }
    }

    private static bool Matches(string route, PathString path)
    {
        try
        {
            var matcher = new TemplateMatcher(new RouteTemplate(RoutePatternFactory.Parse(route)), new RouteValueDictionary());
            return matcher.TryMatch(path, new RouteValueDictionary());
        }
        catch (Exception ex) when (ex is RoutePatternException or ArgumentException or InvalidOperationException)
        {
            return false;
        }
    }

    private sealed record Registration(object Owner, InboxEndpoint Endpoint);
}
