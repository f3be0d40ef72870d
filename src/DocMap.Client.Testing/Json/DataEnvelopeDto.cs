namespace DocMap.Client.Testing;

/// <summary>DocMap's success envelope, <c>{"data": ...}</c>.</summary>
internal sealed class DataEnvelopeDto<T>
{
    public required T Data { get; init; }
}
