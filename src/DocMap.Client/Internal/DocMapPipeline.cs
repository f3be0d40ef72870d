using Refit;

namespace DocMap.Client.Internal;

/// <summary>Builds the pieces shared by <see cref="DocMapClient.Create(string, DocMapClientOptions?)"/> and <c>AddDocMapClient</c>.</summary>
internal static class DocMapPipeline
{
    /// <summary>The handlers in front of the primary handler, outermost first.</summary>
    public static DelegatingHandler[] CreateHandlers(DocMapClientOptions options)
    {
        var handlers = new List<DelegatingHandler>(4)
        {
            new DocMapTimeoutHandler(options.Timeout, options.UseBuiltInResilience ? options.AttemptTimeout : Timeout.InfiniteTimeSpan),
            new DocMapRequestHandler(options.ApiKey!),
        };
        if (options.UseBuiltInResilience)
        {
            handlers.Add(new DocMapPolicyHandler(DocMapResilience.CreateRetryableMethodPolicy(options)));
        }

        // Innermost: the body is read inside each attempt, so AttemptTimeout and the retries cover it too.
        handlers.Add(new DocMapBufferingHandler());

        return [.. handlers];
    }

    /// <summary>Refit settings: the source-generated JSON context, DocMap's error mapping, transport exceptions passed through.</summary>
    public static RefitSettings CreateRefitSettings(string apiKey)
    {
        var settings = new RefitSettings(SystemTextJsonContentSerializer.ForContext(DocMapJsonContext.Default))
        {
            // Bodies are tiny: serialize them synchronously into a byte array (source-generated fast path, and a
            // Content-Length header instead of a chunked stream).
            RequestBodySerialization = RequestBodySerializationMode.Buffered,
        };
        settings.ExceptionFactory = response => DocMapErrorMapper.FromResponseAsync(response, apiKey);
        settings.DeserializationExceptionFactory = DocMapErrorMapper.FromDeserializationFailure;
        settings.TransportExceptionFactory = (_, exception, _) => exception;
        return settings;
    }

    /// <summary>Wraps an <see cref="HttpClient"/> (base address set, no client timeout) in the validating Refit client.</summary>
    public static IDocMapApi CreateApi(HttpClient httpClient, string apiKey) =>
        new ValidatingDocMapApi(RestService.For<IDocMapApi>(httpClient, CreateRefitSettings(apiKey)));

    /// <summary>Throws an <see cref="ArgumentException"/> listing every problem with the options.</summary>
    public static void ThrowIfInvalid(DocMapClientOptions options, string parameterName)
    {
        var problems = options.Validate(configurationPath: null);
        if (problems.Count > 0)
        {
            throw new ArgumentException("Invalid DocMap client options: " + string.Join(" ", problems), parameterName);
        }
    }
}
