using DocMap.Client.Signatures.AspNetCore.Internal;
using Microsoft.AspNetCore.Builder;

namespace DocMap.Client.Signatures.AspNetCore;

/// <summary>Adds the DocMap signature check to the middleware pipeline.</summary>
public static class DocMapWebhookApplicationBuilderExtensions
{
    /// <summary>
    /// Verifies DocMap signatures, at this point of the pipeline, for requests routed to endpoints marked with
    /// <c>RequireDocMapSignature()</c> (or mapped with <c>MapDocMapWebhooks</c>): the body is read once within the
    /// limit, verified, rewound for model binding, and the verified event is set on the <c>HttpContext</c> before any
    /// later middleware or the endpoint runs. Failing requests are answered here (401, 413, 408, 400) and go no further.
    /// Place it after routing (<c>WebApplication</c> routes first by default, or after <c>UseRouting()</c>) and before
    /// middleware that should only see verified deliveries.
    /// </summary>
    /// <param name="app">The application builder.</param>
    /// <returns>The application builder, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="app"/> is <see langword="null"/>.</exception>
    /// <exception cref="InvalidOperationException"><c>AddDocMapWebhooks</c> was not called on the service collection.</exception>
    public static IApplicationBuilder UseDocMapWebhookSignatures(this IApplicationBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var runtime = DocMapWebhookRuntime.From(app.ApplicationServices);
        return app.Use(next => new DocMapWebhookSignatureMiddleware(next, runtime).InvokeAsync);
    }
}
