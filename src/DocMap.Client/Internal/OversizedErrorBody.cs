namespace DocMap.Client.Internal;

/// <summary>Stands in for an error body that was longer than the client reads (<see cref="DocMapBufferingHandler.MaxErrorBodyBytes"/>): empty, and says how far the client read.</summary>
internal sealed class OversizedErrorBody : ByteArrayContent
{
    public OversizedErrorBody(int limit)
        : base([])
    {
        Limit = limit;
    }

    /// <summary>How many bytes the client was willing to read.</summary>
    public int Limit { get; }
}
