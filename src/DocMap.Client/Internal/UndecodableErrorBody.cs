namespace DocMap.Client.Internal;

/// <summary>
/// Stands in for an error body whose compressed data (gzip, deflate, brotli) the decompressor refused: empty, so the
/// error keeps its status (and a 503 is still retried) without a body nobody can read.
/// </summary>
internal sealed class UndecodableErrorBody : ByteArrayContent
{
    public UndecodableErrorBody()
        : base([])
    {
    }
}
