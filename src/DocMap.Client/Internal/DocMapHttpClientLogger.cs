using Microsoft.Extensions.Http.Logging;
using Microsoft.Extensions.Logging;

namespace DocMap.Client.Internal;

/// <summary>
/// Logs each attempt of the DocMap client: method, path, status and duration, never headers; at Debug (sending and
/// answered: every attempt, too many for default levels; the call's span and metrics tell the same), and at Warning when
/// an attempt failed without an answer. It replaces the
/// <c>IHttpClientFactory</c> default loggers, whose trace-level header records keep raw header values (the API key)
/// in their structured state even though the formatted message is redacted.
/// </summary>
internal sealed partial class DocMapHttpClientLogger : IHttpClientLogger
{
    /// <summary>The category of the client's log records.</summary>
    internal const string Category = "DocMap.Client.Http";

    private readonly ILogger _logger;

    public DocMapHttpClientLogger(ILoggerFactory loggerFactory)
    {
        _logger = loggerFactory.CreateLogger(Category);
    }

    public object? LogRequestStart(HttpRequestMessage request)
    {
        var call = DocMapCall.Of(request);
        LogStart(_logger, call.Method, call.Path);
        return null;
    }

    public void LogRequestStop(object? context, HttpRequestMessage request, HttpResponseMessage response, TimeSpan elapsed)
    {
        var call = DocMapCall.Of(request);
        LogStop(_logger, call.Method, call.Path, (int)response.StatusCode, elapsed.TotalMilliseconds);
    }

    public void LogRequestFailed(object? context, HttpRequestMessage request, HttpResponseMessage? response, Exception exception, TimeSpan elapsed)
    {
        var call = DocMapCall.Of(request);
        LogFailed(_logger, call.Method, call.Path, exception.GetType().Name, elapsed.TotalMilliseconds);
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "DocMap API {Method} {Path} sending")]
    private static partial void LogStart(ILogger logger, string method, string path);

    [LoggerMessage(EventId = 2, Level = LogLevel.Debug, Message = "DocMap API {Method} {Path} answered {StatusCode} in {ElapsedMilliseconds:0.0} ms")]
    private static partial void LogStop(ILogger logger, string method, string path, int statusCode, double elapsedMilliseconds);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "DocMap API {Method} {Path} failed with {ExceptionType} after {ElapsedMilliseconds:0.0} ms")]
    private static partial void LogFailed(ILogger logger, string method, string path, string exceptionType, double elapsedMilliseconds);
}
