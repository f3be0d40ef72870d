namespace DocMap.Client.Testing;

/// <summary>The answer of <c>POST /_emulator/reset</c>: <c>{"reset":true}</c>.</summary>
internal sealed class ResetResultDto
{
    public bool Reset { get; init; } = true;
}
