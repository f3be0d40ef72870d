namespace DocMap.Client.Testing;

/// <summary>One entry of the request log (<c>GET /_emulator/requests</c>). Headers are never recorded.</summary>
internal sealed class LoggedRequestDto
{
    public required string Method { get; init; }

    public required string Path { get; init; }

    public required int StatusCode { get; init; }

    public required string ReceivedAt { get; init; }

    public required string? Body { get; init; }

    public required bool BodyTruncated { get; init; }
}
