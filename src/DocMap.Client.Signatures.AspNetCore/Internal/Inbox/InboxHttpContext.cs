using System.Runtime.InteropServices;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace DocMap.Client.Signatures.AspNetCore.Internal.Inbox;

/// <summary>
/// The HTTP context a delegate handler runs on in the background: a POST to the endpoint's route whose body is the
/// stored (verified) bytes, whose services are the attempt's scope and whose <see cref="HttpContext.RequestAborted"/>
/// is the attempt's cancellation token. Nothing else of the original request is kept (headers, query string, route
/// values, connection, user).
/// </summary>
internal static class InboxHttpContext
{
    public static DefaultHttpContext Create(IServiceProvider services, string route, string messageId, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        var context = new DefaultHttpContext
        {
            RequestServices = services,
            RequestAborted = cancellationToken,
            TraceIdentifier = messageId,
        };
        var request = context.Request;
        request.Method = HttpMethods.Post;
        request.Scheme = "http";
        request.Host = new HostString("localhost");
        request.Path = route.StartsWith('/') ? new PathString(route) : new PathString("/" + route);
        if (!body.IsEmpty)
        {
            request.ContentType = "application/json";
            request.ContentLength = body.Length;
            request.Body = MemoryMarshal.TryGetArray(body, out var segment)
                ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
                : new MemoryStream(body.ToArray(), writable: false);
        }

        // Minimal APIs read a body only when the server says the request can have one.
        context.Features.Set<IHttpRequestBodyDetectionFeature>(body.IsEmpty ? BodyDetection.None : BodyDetection.Present);
        return context;
    }

    private sealed class BodyDetection(bool canHaveBody) : IHttpRequestBodyDetectionFeature
    {
        public static readonly BodyDetection Present = new(true);
        public static readonly BodyDetection None = new(false);

        public bool CanHaveBody { get; } = canHaveBody;
    }
}
