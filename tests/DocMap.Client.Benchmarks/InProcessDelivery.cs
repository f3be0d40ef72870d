using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace DocMap.Client.Benchmarks;

/// <summary>
/// The in-process benchmarks' delivery: a signed body posted straight to an endpoint's request delegate in a fresh DI
/// scope, with no server, then the response completed as a server completes it.
/// </summary>
internal static class InProcessDelivery
{
    /// <summary>The request delegate of <paramref name="app"/>'s endpoint whose route pattern is <paramref name="route"/>.</summary>
    public static RequestDelegate Endpoint(WebApplication app, string route) =>
        ((IEndpointRouteBuilder)app).DataSources.SelectMany(s => s.Endpoints).OfType<RouteEndpoint>().Single(e => e.RoutePattern.RawText == route).RequestDelegate!;

    /// <summary>Posts <paramref name="body"/> signed with <paramref name="signature"/> to <paramref name="endpoint"/>; returns the status code.</summary>
    public static async Task<int> SendAsync(IServiceProvider services, RequestDelegate endpoint, byte[] body, string signature)
    {
        await using var scope = services.CreateAsyncScope();
        var context = new DefaultHttpContext { RequestServices = scope.ServiceProvider };
        context.Request.Method = "POST";
        context.Request.ContentLength = body.Length;
        context.Request.Body = new MemoryStream(body, writable: false);
        context.Request.Headers["X-DocMap-Signature"] = signature;
        context.Response.Body = Stream.Null;
        var completion = new CompletingResponseFeature();
        context.Features.Set<IHttpResponseFeature>(completion);
        await endpoint(context);
        await completion.CompleteAsync(); // as a server does: runs OnCompleted (RegisterForDispose returns pooled buffers)
        return context.Response.StatusCode;
    }
}
