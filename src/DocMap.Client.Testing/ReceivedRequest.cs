namespace DocMap.Client.Testing;

/// <summary>
/// A request the emulator received, for assertions such as "exactly one POST reached the server".
/// Headers are not kept, so the API key never appears here.
/// </summary>
public sealed class ReceivedRequest
{
    internal ReceivedRequest(DocMapEndpoint? endpoint, string method, string path, string? body, int statusCode, DateTimeOffset receivedAt)
    {
        Endpoint = endpoint;
        Method = method;
        Path = path;
        Body = body;
        StatusCode = statusCode;
        ReceivedAt = receivedAt;
    }

    /// <summary>The endpoint the request was routed to, or <see langword="null"/> when it matched none (answered 404).</summary>
    public DocMapEndpoint? Endpoint { get; }

    /// <summary>The HTTP method, upper case.</summary>
    public string Method { get; }

    /// <summary>The path and query, as received.</summary>
    public string Path { get; }

    /// <summary>The request body as text, or <see langword="null"/> when there was none.</summary>
    public string? Body { get; }

    /// <summary>The status code the emulator answered.</summary>
    public int StatusCode { get; }

    /// <summary>When the request arrived (UTC).</summary>
    public DateTimeOffset ReceivedAt { get; }

    /// <inheritdoc />
    public override string ToString() => $"{Method} {Path} -> {StatusCode}";
}
