using System.Text.Json.Serialization;

namespace DocMap.Client;

/// <summary>DocMap's success envelope: every successful response body is <c>{"data": ...}</c>.</summary>
/// <typeparam name="T">The payload type.</typeparam>
/// <remarks>
/// The SDK creates instances when it reads a response; build one in your tests with
/// <see cref="DocMapModelFactory.DataEnvelope{T}(T)"/>. Equality is reference equality: compare the payloads' members.
/// </remarks>
public sealed class DataEnvelope<T>
{
    [JsonConstructor]
    internal DataEnvelope()
    {
    }

    /// <summary>The payload (never <see langword="null"/> in an envelope the SDK returns).</summary>
    public required T Data { get; init; }

    /// <summary>Prints the payload (a list as its count) for diagnostics.</summary>
    /// <returns>A one-line description.</returns>
    public override string ToString() => Data is System.Collections.ICollection collection
        ? $"DataEnvelope {{ Data = [{collection.Count} items] }}"
        : $"DataEnvelope {{ Data = {Data} }}";
}
