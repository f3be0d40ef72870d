using Refit;

namespace DocMap.Client.Internal;

/// <summary>Builds the pieces shared by <see cref="DocMapClient.Create(string, DocMapClientOptions?)"/> and <c>AddDocMapClient</c>.</summary>
internal static class DocMapPipeline
{
    /// <summary>
    /// The handlers in front of the primary handler, outermost first: timeout (and the call's name), auth and
    /// User-Agent, then, with the built-in resilience, the retry policy and the retried-DELETE rule inside it, and
    /// the body buffering with its size limits, so that every attempt reads its body within
    /// <see cref="DocMapClientOptions.AttemptTimeout"/> and its limit. The handlers a user adds to the
    /// <c>IHttpClientBuilder</c> come after these; <see cref="CreateRedirectGuard"/> comes last of all.
    /// </summary>
    public static DelegatingHandler[] CreateHandlers(DocMapClientOptions options)
    {
        var handlers = new List<DelegatingHandler>(5)
        {
            new DocMapTimeoutHandler(options.Timeout, options.UseBuiltInResilience ? options.AttemptTimeout : Timeout.InfiniteTimeSpan),
            new DocMapRequestHandler(options.ApiKey!),
        };
        if (options.UseBuiltInResilience)
        {
            handlers.Add(new DocMapPolicyHandler(DocMapResilience.CreateRetryableMethodPolicy(options)));
            handlers.Add(new DocMapRetriedDeleteHandler());
        }

        handlers.Add(new DocMapBufferingHandler(options.MaxResponseBytes));
        return [.. handlers];
    }

    /// <summary>
    /// The handler that goes right in front of the primary handler, after every other one (the user's included): it
    /// refuses the answer of a redirect the primary handler followed by itself (<see cref="DocMapRedirectGuardHandler"/>).
    /// </summary>
    public static DelegatingHandler CreateRedirectGuard(string? apiKey) => new DocMapRedirectGuardHandler(new ApiKeyRedactor(apiKey));

    /// <summary>
    /// Refit settings: the source-generated JSON context, DocMap's error mapping, transport exceptions passed through
    /// (their type and <see cref="HttpRequestException.HttpRequestError"/> kept; masked when their text holds the key).
    /// </summary>
    public static RefitSettings CreateRefitSettings(string apiKey)
    {
        var redactor = new ApiKeyRedactor(apiKey);
        var mapper = new DocMapErrorMapper(redactor);
        return new RefitSettings(SystemTextJsonContentSerializer.ForContext(DocMapJsonContext.Default))
        {
            // Bodies are tiny: serialize them synchronously into a byte array (source-generated fast path, and a
            // Content-Length header instead of a chunked stream).
            RequestBodySerialization = RequestBodySerializationMode.Buffered,
            ExceptionFactory = mapper.FromResponseAsync,
            DeserializationExceptionFactory = mapper.FromDeserializationFailure,
            TransportExceptionFactory = (_, exception, _) => redactor.SafeTransport(exception),
        };
    }

    /// <summary>
    /// Wraps an <see cref="HttpClient"/> (base address set, no client timeout) in the validating Refit client. The Refit
    /// client is the one its source generator emitted for <see cref="IDocMapApi"/>, created without reflection (so the
    /// client is trimming- and native-AOT-safe). <paramref name="telemetry"/> holds the instruments: the container's
    /// (from its <c>IMeterFactory</c>) or <see cref="DocMapClientTelemetry.Shared"/>.
    /// </summary>
    public static IDocMapApi CreateApi(HttpClient httpClient, string apiKey, DocMapClientTelemetry telemetry) =>
        new ValidatingDocMapApi(RestService.ForGenerated<IDocMapApi>(httpClient, CreateRefitSettings(apiKey)), telemetry, httpClient.BaseAddress);

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
