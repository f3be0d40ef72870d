namespace DocMap.Client.Testing;

/// <summary>
/// A request the emulator received, for assertions such as "exactly one POST reached the server".
/// Headers are not kept, so the API key never appears here. See <see cref="DocMapEmulator.Requests"/>.
/// </summary>
public sealed class ReceivedRequest
{
    internal ReceivedRequest(DocMapEndpoint? endpoint, string method, string path, string? body, bool bodyTruncated, int statusCode, DateTimeOffset receivedAt)
    {
        Endpoint = endpoint;
        Method = method;
        Path = path;
        Body = body;
        BodyTruncated = bodyTruncated;
        StatusCode = statusCode;
        ReceivedAt = receivedAt;
    }

    /// <summary>The endpoint the request was routed to, or <see langword="null"/> when it matched none (answered 404).</summary>
    public DocMapEndpoint? Endpoint { get; }

    /// <summary>The HTTP method, upper case.</summary>
    public string Method { get; }

    /// <summary>The path and query, as received.</summary>
    public string Path { get; }

    /// <summary>
    /// The request body as text (cut past <see cref="DocMapEmulatorOptions.MaxLoggedBodyBytes"/>, see
    /// <see cref="BodyTruncated"/>), or <see langword="null"/> when there was none or the request was refused for a
    /// missing or wrong API key (such bodies are never read nor kept).
    /// </summary>
    public string? Body { get; }

    /// <summary>Whether <see cref="Body"/> was cut at <see cref="DocMapEmulatorOptions.MaxLoggedBodyBytes"/>.</summary>
    public bool BodyTruncated { get; }

    /// <summary>The status code the emulator answered.</summary>
    public int StatusCode { get; }

    /// <summary>When the request arrived (UTC).</summary>
    public DateTimeOffset ReceivedAt { get; }

    /// <inheritdoc />
    public override string ToString() => $"{Method} {Path} -> {StatusCode}";
}
